import { TRPCError } from "@trpc/server";

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "08000",
  "08003",
  "08006",
  "08001",
  "08004",
]);

function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && chain.length < 8) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/**
 * Classifies a failure from the database layer. Prisma wraps driver errors, so the
 * whole cause chain is read: its codes and the adapter's `originalCode`/`kind`.
 */
export function databaseFailureKind(error: unknown): "unavailable" | "timeout" | undefined {
  for (const item of errorChain(error)) {
    const e = item as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; name?: unknown };
    const codes = [e.code, e.originalCode].filter((c): c is string => typeof c === "string");
    const message = typeof e.message === "string" ? e.message : "";
    if (codes.includes("57014") || /Query read timeout|query_timeout|timeout exceeded when trying to connect/i.test(message)) {
      return /connect/i.test(message) ? "unavailable" : "timeout";
    }
    if (codes.some((c) => UNAVAILABLE_CODES.has(c))) return "unavailable";
    if (e.kind === "DatabaseNotReachable" || e.kind === "SocketTimeout" || e.kind === "ConnectionClosed") {
      return "unavailable";
    }
    if (e.name === "PrismaClientInitializationError") return "unavailable";
    if (/Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(message)) {
      return "unavailable";
    }
  }
  return undefined;
}

/** Maps an unexpected failure to the error a caller can act on, or undefined to keep it. */
export function toPublicError(error: unknown): TRPCError | undefined {
  const kind = databaseFailureKind(error);
  if (kind === "unavailable") {
    return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "The database is unavailable, try again", cause: error });
  }
  if (kind === "timeout") {
    return new TRPCError({ code: "GATEWAY_TIMEOUT", message: "The database did not answer in time", cause: error });
  }
  return undefined;
}
