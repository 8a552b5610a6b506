import { randomBytes } from "node:crypto";
import { migrateDeploy } from "@s3ssions/schema-engine";
import pg from "pg";
import { MIGRATIONS_DIR } from "./paths.js";
import { POOLER_PORT, POSTGRES_HOST, POSTGRES_PORT } from "./pgbouncer.js";
import { SUPABASE_DEFAULT_PRIVILEGES_SQL, SUPABASE_ROLES_SQL } from "./supabase-roles.js";

const ADMIN_URL = `postgresql://postgres@${POSTGRES_HOST}:${POSTGRES_PORT}/postgres`;

export interface TestDatabase {
  name: string;
  /** Direct connection (5432), the role SUPABASE_DB_URL plays. */
  directUrl: string;
  /** Through the transaction pooler, as SUPABASE_DB_URL_TRANSACTION. */
  pooledUrl(params?: Record<string, string | number | boolean>): string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function directUrlOf(name: string): string {
  return `postgresql://postgres@${POSTGRES_HOST}:${POSTGRES_PORT}/${name}`;
}

/**
 * A fresh database with every migration applied, reachable directly and through the
 * pooler. Created from a migrated template so that each test file starts in ~0.1 s.
 */
export async function createTestDatabase(label = "t"): Promise<TestDatabase> {
  const template = await ensureTemplate();
  const name = `s3_${label.replace(/[^a-z0-9_]/gi, "").slice(0, 20)}_${randomBytes(4).toString("hex")}`.toLowerCase();
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    directUrl: directUrlOf(name),
    pooledUrl(params = { pgbouncer: true, connection_limit: 1 }) {
      const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
      return `postgresql://postgres@${POSTGRES_HOST}:${POOLER_PORT}/${name}?${query}`;
    },
    async drop() {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

let templateReady: Promise<string> | undefined;

/**
 * One migrated template per migration set; concurrent test workers agree through a lock.
 * Supabase's API roles and default grants are set up before migrating, as on a real project.
 */
function ensureTemplate(): Promise<string> {
  templateReady ??= (async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256");
    hash.update(SUPABASE_ROLES_SQL);
    hash.update(SUPABASE_DEFAULT_PRIVILEGES_SQL);
    for (const entry of (await readdir(MIGRATIONS_DIR)).sort()) {
      if (entry.endsWith(".toml")) continue;
      hash.update(entry);
      hash.update(await readFile(`${MIGRATIONS_DIR}/${entry}/migration.sql`));
    }
    const template = `s3_template_${hash.digest("hex").slice(0, 12)}`;
    await admin(async (c) => {
      await c.query("SELECT pg_advisory_lock(727001)");
      try {
        const exists = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
        if (exists.rowCount) return;
        const building = `${template}_build`;
        await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
        await c.query(`CREATE DATABASE "${building}"`);
        await c.query(SUPABASE_ROLES_SQL);
        await sql(directUrlOf(building), SUPABASE_DEFAULT_PRIVILEGES_SQL);
        await migrateDeploy({ url: directUrlOf(building), migrationsDir: MIGRATIONS_DIR });
        await c.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
      } finally {
        await c.query("SELECT pg_advisory_unlock(727001)");
      }
    });
    return template;
  })();
  return templateReady;
}

/** One query on a direct connection, for tests that set up or inspect state behind the API. */
export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
