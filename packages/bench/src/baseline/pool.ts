/**
 * The baseline's pool settings from the pooler URL: `pg` knows none of Prisma's URL
 * parameters, so the two that matter (connection_limit, application_name) are read and
 * all of them are dropped from the connection string.
 */
import type pg from "pg";

const PRISMA_PARAMETERS = [
  "pgbouncer",
  "connection_limit",
  "pool_timeout",
  "connect_timeout",
  "socket_timeout",
  "statement_cache_size",
  "schema",
  "application_name",
];

export function poolConfig(url: string): pg.PoolConfig {
  const parsed = new URL(url);
  const limit = Number(parsed.searchParams.get("connection_limit") ?? 1) || 1;
  const applicationName = parsed.searchParams.get("application_name") || "s3ssions_baseline";
  for (const name of PRISMA_PARAMETERS) parsed.searchParams.delete(name);
  return {
    connectionString: parsed.toString(),
    max: limit,
    connectionTimeoutMillis: 15_000,
    application_name: applicationName,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    keepAlive: true,
  };
}
