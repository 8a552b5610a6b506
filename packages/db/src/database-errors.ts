/**
 * One reading of database failures for the whole app. Prisma wraps the driver's error
 * (`meta.driverAdapterError.cause` with a `kind`), pg throws plain Errors with errno or
 * SQLSTATE codes; this walks all of it and answers in words that carry no secret.
 */
export interface DatabaseFailure {
  /** Short, secret-free: safe for a health response or a log line. */
  reason: string;
  /** `unavailable`: the database cannot be reached now; `timeout`: a query ran too long. */
  availability: "unavailable" | "timeout" | null;
}

const KIND_REASONS: Record<string, DatabaseFailure> = {
  DatabaseNotReachable: { reason: "connection refused", availability: "unavailable" },
  DatabaseDoesNotExist: { reason: "database does not exist", availability: "unavailable" },
  DatabaseAccessDenied: { reason: "access denied", availability: "unavailable" },
  AuthenticationFailed: { reason: "authentication failed", availability: "unavailable" },
  TooManyConnections: { reason: "too many connections", availability: "unavailable" },
  ConnectionClosed: { reason: "connection closed", availability: "unavailable" },
  SocketTimeout: { reason: "socket timeout", availability: "unavailable" },
  TlsConnectionError: { reason: "TLS connection failed", availability: "unavailable" },
};

const CODE_REASONS: Record<string, DatabaseFailure> = {
  "28P01": { reason: "authentication failed", availability: "unavailable" },
  "28000": { reason: "authentication failed", availability: "unavailable" },
  "3D000": { reason: "database does not exist", availability: "unavailable" },
  "53300": { reason: "too many connections", availability: "unavailable" },
  "57P01": { reason: "server is shutting down", availability: "unavailable" },
  "57P02": { reason: "server is shutting down", availability: "unavailable" },
  "57P03": { reason: "server is starting up", availability: "unavailable" },
  "08000": { reason: "connection failure", availability: "unavailable" },
  "08001": { reason: "connection failure", availability: "unavailable" },
  "08003": { reason: "connection failure", availability: "unavailable" },
  "08006": { reason: "connection failure", availability: "unavailable" },
  "08P01": { reason: "protocol violation", availability: "unavailable" },
  "57014": { reason: "query cancelled after the command timeout", availability: "timeout" },
  ECONNREFUSED: { reason: "connection refused", availability: "unavailable" },
  ECONNRESET: { reason: "connection reset", availability: "unavailable" },
  EPIPE: { reason: "connection reset", availability: "unavailable" },
  ENOTFOUND: { reason: "host not found", availability: "unavailable" },
  EAI_AGAIN: { reason: "host lookup failed", availability: "unavailable" },
  ETIMEDOUT: { reason: "connect timeout", availability: "unavailable" },
  EHOSTUNREACH: { reason: "host unreachable", availability: "unavailable" },
  // Node's TLS verification: the server's certificate is not trusted for this connection's sslmode.
  SELF_SIGNED_CERT_IN_CHAIN: {
    reason:
      "TLS certificate not trusted (self-signed root: set sslrootcert or SUPABASE_DB_CA_CERT, or use sslmode=require)",
    availability: "unavailable",
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: { reason: "TLS certificate not trusted (self-signed)", availability: "unavailable" },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    reason: "TLS certificate not trusted (not signed by the given root CA)",
    availability: "unavailable",
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    reason: "TLS certificate not trusted (issuer unknown)",
    availability: "unavailable",
  },
  UNABLE_TO_GET_ISSUER_CERT: { reason: "TLS certificate not trusted (issuer unknown)", availability: "unavailable" },
  CERT_HAS_EXPIRED: { reason: "TLS certificate expired", availability: "unavailable" },
  CERT_NOT_YET_VALID: { reason: "TLS certificate not yet valid", availability: "unavailable" },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    reason: "TLS certificate does not match the host name (use sslmode=verify-ca to skip that check)",
    availability: "unavailable",
  },
};

const MESSAGE_REASONS: [RegExp, DatabaseFailure][] = [
  [
    /The server does not support SSL connections/i,
    { reason: "server does not support TLS (sslmode asks for it)", availability: "unavailable" },
  ],
  [
    /timeout exceeded when trying to connect|Connection terminated due to connection timeout/i,
    { reason: "connect timeout", availability: "unavailable" },
  ],
  [/Query read timeout/i, { reason: "command timeout", availability: "timeout" }],
  // Our TransactionTimeoutError, and Prisma's P2028 when an interactive transaction outlives
  // its limit, or never got a connection within maxWait. (Other P2028s are misuse of a
  // transaction: left alone.)
  [
    /expired transaction|Unable to start a transaction in the given time/i,
    { reason: "transaction timeout", availability: "timeout" },
  ],
  [
    /Connection terminated|Client has encountered a connection error|Connection ended/i,
    { reason: "connection terminated", availability: "unavailable" },
  ],
];

function links(error: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 12) {
    const item = queue.shift();
    if (!item || typeof item !== "object") continue;
    const record = item as Record<string, unknown>;
    out.push(record);
    queue.push(record.cause);
    const meta = record.meta as Record<string, unknown> | undefined;
    queue.push((meta?.driverAdapterError as Record<string, unknown> | undefined)?.cause);
  }
  return out;
}

/** What went wrong, or null when the error is not a database availability problem we know. */
export function classifyDatabaseError(error: unknown): DatabaseFailure | null {
  for (const link of links(error)) {
    if (typeof link.kind === "string" && KIND_REASONS[link.kind]) return KIND_REASONS[link.kind]!;
    for (const code of [link.originalCode, link.code]) {
      if (typeof code === "string" && CODE_REASONS[code]) return CODE_REASONS[code]!;
    }
    const message = typeof link.message === "string" ? link.message : "";
    for (const [pattern, failure] of MESSAGE_REASONS) if (pattern.test(message)) return failure;
    if (link.name === "PrismaClientInitializationError")
      return { reason: "database unreachable", availability: "unavailable" };
  }
  return null;
}

/** Whether a failure is a unique-constraint violation (SQLSTATE 23505), however wrapped. */
export function isUniqueViolation(error: unknown): boolean {
  return links(error).some(
    (link) => link.kind === "UniqueConstraintViolation" || link.originalCode === "23505" || link.code === "23505",
  );
}
