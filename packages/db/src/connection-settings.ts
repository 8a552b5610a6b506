import type { ConnectionOptions } from "node:tls";
import { keepPassedThrough, PgUrlError, tlsOptions } from "@s3ssions/pg-url";
import type { PoolConfig } from "pg";
import { POOL_TYPE_PARSERS } from "./timestamptz.js";

/**
 * What a Prisma-style Postgres URL asks for, mapped onto `pg` pool options.
 *
 * `pg` accepts `pgbouncer`, `connection_limit`, `pool_timeout`, … in a URL and silently
 * ignores them (a URL with `connection_limit=1` still gets a pool of 10), so every
 * parameter Prisma defines is read here, removed from the URL, and applied explicitly.
 */
export interface ConnectionSettings {
  /** The URL `pg` connects with: Prisma's own parameters stripped. */
  connectionString: string;
  /**
   * Whether the URL points at a transaction-mode pooler: `pgbouncer=true`, or, without that
   * parameter, Supabase's pooler port 6543 or the integration's `supa=base-pooler.x`.
   */
  pgbouncer: boolean;
  /** libpq's sslmode (`disable` when the URL has none) and the `ssl` option it means for pg. */
  tlsMode: string;
  ssl: false | ConnectionOptions;
  /** The pool's maximum number of connections. */
  connectionLimit: number;
  /** Waiting for a connection, including the connect itself. */
  connectTimeoutMs: number;
  /** Limit for one statement: past it, the statement is cancelled on the server (see command-timeout.ts). */
  commandTimeoutMs: number;
  applicationName: string;
  /** `host:port/database`, safe to log: no user, no password. */
  target: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
export const DEFAULT_APPLICATION_NAME = "s3ssions_unified";
/** Without `connection_limit`, a serverless instance still holds a single connection. */
export const DEFAULT_CONNECTION_LIMIT = 1;

export class DatabaseUrlError extends Error {
  override name = "DatabaseUrlError";
}

/** Supabase's transaction pooler port, and the marker the Supabase–Vercel integration adds to its pooler URL. */
const POOLER_PORT = "6543";
const INTEGRATION_POOLER_MARK = "base-pooler.x";

function positiveNumber(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new DatabaseUrlError(`database URL parameter ${name} must be a non-negative number, got "${raw}"`);
  }
  return value;
}

function booleanFlag(params: URLSearchParams, name: string): boolean {
  const raw = params.get(name);
  if (raw === null) return false;
  if (raw === "true" || raw === "1" || raw === "") return true;
  if (raw === "false" || raw === "0") return false;
  throw new DatabaseUrlError(`database URL parameter ${name} must be true or false, got "${raw}"`);
}

export interface ParseOptions {
  /** A PEM root certificate (`SUPABASE_DB_CA_CERT`) for `sslmode=verify-ca|verify-full` without `sslrootcert`. */
  caPem?: string | undefined;
}

export function parseDatabaseUrl(url: string, options: ParseOptions = {}): ConnectionSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError("database URL is not a valid URL");
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new DatabaseUrlError(`database URL must start with postgresql://, got ${parsed.protocol}//`);
  }
  const params = parsed.searchParams;

  const limit = positiveNumber(params, "connection_limit");
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new DatabaseUrlError(`database URL parameter connection_limit must be a whole number ≥ 1, got "${limit}"`);
  }
  const schema = params.get("schema");
  if (schema && schema !== "public") {
    // The hot paths use hand-written SQL on the public schema; a silent split would be worse.
    throw new DatabaseUrlError('database URL parameter schema is not supported: the API uses the "public" schema');
  }
  const statementCacheSize = positiveNumber(params, "statement_cache_size");
  if (statementCacheSize !== undefined && statementCacheSize !== 0) {
    // Named statements break behind a transaction-mode pooler; we never cache them.
    throw new DatabaseUrlError("database URL parameter statement_cache_size must be 0: statements are never named");
  }
  // Prisma's pool_timeout is the wait for a pooled connection, connect_timeout the TCP/TLS
  // connect; pg has one timer for both, so the larger bound governs.
  const poolTimeout = positiveNumber(params, "pool_timeout");
  const connectTimeout = positiveNumber(params, "connect_timeout");
  const timeouts = [poolTimeout, connectTimeout].filter((t): t is number => t !== undefined && t > 0);
  const connectTimeoutMs = timeouts.length > 0 ? Math.max(...timeouts) * 1000 : DEFAULT_CONNECT_TIMEOUT_MS;
  const socketTimeout = positiveNumber(params, "socket_timeout");
  const commandTimeoutMs = socketTimeout && socketTimeout > 0 ? socketTimeout * 1000 : DEFAULT_COMMAND_TIMEOUT_MS;

  let tls: ReturnType<typeof tlsOptions>;
  try {
    tls = tlsOptions(params, options);
  } catch (error) {
    throw error instanceof PgUrlError ? new DatabaseUrlError(error.message) : error;
  }
  const pooler = params.has("pgbouncer")
    ? booleanFlag(params, "pgbouncer")
    : parsed.port === POOLER_PORT || params.get("supa") === INTEGRATION_POOLER_MARK;

  const settings: ConnectionSettings = {
    connectionString: "",
    pgbouncer: pooler,
    tlsMode: tls.mode,
    ssl: tls.ssl,
    connectionLimit: limit ?? DEFAULT_CONNECTION_LIMIT,
    connectTimeoutMs,
    commandTimeoutMs,
    applicationName: params.get("application_name") || DEFAULT_APPLICATION_NAME,
    target: `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname || "/"}`,
  };
  keepPassedThrough(params);
  settings.connectionString = parsed.toString();
  return settings;
}

/** The pool configuration for a serverless instance: small, lazy, never naming statements. */
export function toPoolConfig(settings: ConnectionSettings): PoolConfig {
  return {
    connectionString: settings.connectionString,
    ssl: settings.ssl,
    max: settings.connectionLimit,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // No `query_timeout`: it only stops waiting on the client and leaves the statement
    // running on the server. `enforceCommandTimeout` cancels it there instead.
    application_name: settings.applicationName,
    // A frozen function must not keep a dead socket forever, and an idle process may exit.
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    keepAlive: true,
    types: POOL_TYPE_PARSERS,
  };
}
