// Prisma-style PostgreSQL connection strings -> `pg` client configs.
//
// Prisma accepts query parameters that `pg` ignores or misreads (`schema`,
// `connection_limit`, `pgbouncer`, ...). They are stripped here; the ones that
// matter to a migration connection are mapped onto `pg` options. TLS parameters keep
// libpq's meaning (`sslmode=require` encrypts without verifying), as for the app's pool;
// the root certificate is `sslrootcert=<file>` or the PEM in SUPABASE_DB_CA_CERT.

import { keepPassedThrough, tlsOptions } from "@s3ssions/pg-url";

/**
 * @typedef {object} PgTarget
 * @property {import("pg").ClientConfig} config `pg` client config (no pool options).
 * @property {string} database Database name ("postgres" when the URL names none).
 * @property {string} schema Schema from `?schema=` ("public" by default).
 * @property {string} host Host for messages.
 * @property {number} port Port for messages.
 * @property {string} user User for messages.
 */

/**
 * Parse a `postgres://` / `postgresql://` URL.
 * @param {string} url
 * @returns {PgTarget}
 */
export function parsePostgresUrl(url) {
  if (!url) throw new Error("The datasource URL is empty.");
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("The datasource URL is not a valid URL.");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(
      `Unsupported datasource URL protocol \`${parsed.protocol}\`: this schema engine only supports PostgreSQL.`,
    );
  }
  const params = parsed.searchParams;
  const schema = params.get("schema") || "public";
  const connectTimeout = params.get("connect_timeout");
  const socketTimeout = params.get("socket_timeout");
  const { ssl } = tlsOptions(params, { caPem: process.env.SUPABASE_DB_CA_CERT });
  keepPassedThrough(params);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "postgres";
  /** @type {import("pg").ClientConfig} */
  const config = { connectionString: parsed.toString(), ssl };
  // Prisma's connect_timeout is in seconds (default 5); 0 means none.
  config.connectionTimeoutMillis = connectTimeout === null ? 5000 : Number(connectTimeout) * 1000;
  if (socketTimeout) config.query_timeout = Number(socketTimeout) * 1000;
  return {
    config,
    database,
    schema,
    host: parsed.hostname || "localhost",
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || ""),
  };
}

/**
 * The same target with another database name (admin connections, shadow databases).
 * @param {PgTarget} target
 * @param {string} database
 * @returns {PgTarget}
 */
export function withDatabase(target, database) {
  const url = new URL(/** @type {string} */ (target.config.connectionString));
  url.pathname = `/${encodeURIComponent(database)}`;
  return { ...target, config: { ...target.config, connectionString: url.toString() }, database };
}

/**
 * Quote an SQL identifier.
 * @param {string} name
 */
export function quoteIdent(name) {
  return `"${name.replaceAll('"', '""')}"`;
}
