import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { REPO_ROOT } from "./paths.js";

const run = promisify(execFile);

export const POSTGRES_HOST = "127.0.0.1";
export const POSTGRES_PORT = 5432;
export const POOLER_PORT = Number(process.env.PGBOUNCER_PORT ?? 6543);

/** Starts the repo's PgBouncer config on `port` unless one answers there already. */
export async function ensurePgBouncer(port = POOLER_PORT, poolSize = 20): Promise<void> {
  await run("bash", [`${REPO_ROOT}.ci/pgbouncer/start.sh`, String(port), String(poolSize)]);
}

/** Runs a command on PgBouncer's admin console (simple protocol only) and returns the rows. */
export async function pgbouncerAdmin(
  command: string,
  port = POOLER_PORT,
  ssl: pg.ClientConfig["ssl"] = false,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ host: POSTGRES_HOST, port, user: "postgres", database: "pgbouncer", ssl });
  await client.connect();
  try {
    const result = await client.query(command);
    return result.rows;
  } finally {
    await client.end();
  }
}

/** Client connections PgBouncer holds for one database right now. */
export async function pgbouncerClientCount(database: string, port = POOLER_PORT): Promise<number> {
  const rows = await pgbouncerAdmin("SHOW CLIENTS", port);
  return rows.filter((row) => row.database === database).length;
}
