// Test helpers: scratch databases on the local PostgreSQL server, temporary Prisma projects,
// and a runner for the real `prisma-offline` wrapper.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../../..");
export const wrapper = path.join(repoRoot, "packages/db/bin/prisma-offline.mjs");
export const shim = path.join(repoRoot, "packages/schema-engine/bin/schema-engine.mjs");

/** The engine commit hash Prisma 7.10.0 expects the schema engine to report. */
export const ENGINE_HASH = "0edf323efd1d98336f3f0a68684b56f689b900d3";

/** Server to create scratch databases on (trust auth). */
export const serverUrl = process.env.S3_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** @param {string} database */
export function urlFor(database) {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * @template T
 * @param {string} database
 * @param {(client: pg.Client) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withClient(database, fn) {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** @type {Set<string>} */
const created = new Set();

/** A fresh database name (not created: the CLI creates it, as it would in real use). */
export function scratchName() {
  const name = `s3_se_test_${randomBytes(5).toString("hex")}`;
  created.add(name);
  return name;
}

/** Drop every scratch database this run named. */
export async function dropScratchDatabases() {
  await withClient("postgres", async (client) => {
    for (const name of created) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
  created.clear();
}

/**
 * Hooks of a test file: fail loudly (not skip) when the server is not there; at the end, drop
 * the file's scratch databases and print the CLI timings.
 */
export function useScratchServer() {
  beforeAll(async () => {
    await withClient("postgres", (c) => c.query("SELECT 1"));
  });
  afterAll(async () => {
    await dropScratchDatabases();
    if (timings.length > 0) {
      console.log(
        `prisma-offline timings:\n${timings.map(([cmd, ms]) => `  ${String(ms).padStart(5)} ms  ${cmd}`).join("\n")}`,
      );
    }
  });
}

/** @returns {Promise<string[]>} names of the shadow databases that exist now */
export async function shadowDatabases() {
  return withClient("postgres", async (client) => {
    const { rows } = await client.query(
      "SELECT datname FROM pg_database WHERE datname LIKE 'prisma\\_migrate\\_shadow\\_db\\_%'",
    );
    return rows.map((r) => r.datname);
  });
}

/**
 * @param {string} database
 * @param {string} sql
 * @param {unknown[]} [params]
 */
export function query(database, sql, params) {
  return withClient(database, async (client) => (await client.query(sql, params)).rows);
}

/** @param {string} database */
export async function tableNames(database) {
  const rows = await query(
    database,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

/** @param {string} database */
export async function appliedMigrations(database) {
  return query(
    database,
    `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
}

/**
 * A temporary Prisma project: `prisma.config.mjs` (datasource from TEST_DB_URL),
 * `schema.prisma`, `migrations/`.
 * @param {string} schemaBody models etc. after the datasource block
 */
export async function tempProject(schemaBody) {
  const dir = await mkdtemp(path.join(tmpdir(), "s3-se-test-"));
  await writeFile(
    path.join(dir, "prisma.config.mjs"),
    `export default {
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  datasource: { url: process.env.TEST_DB_URL ?? "", shadowDatabaseUrl: process.env.TEST_SHADOW_DB_URL },
};
`,
  );
  await writeSchema(dir, schemaBody);
  await mkdir(path.join(dir, "migrations"), { recursive: true });
  return {
    dir,
    config: path.join(dir, "prisma.config.mjs"),
    migrationsDir: path.join(dir, "migrations"),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * @param {string} dir
 * @param {string} body
 * @param {string} [generator]
 */
export function writeSchema(dir, body, generator = "") {
  return writeFile(
    path.join(dir, "schema.prisma"),
    `${generator}
datasource db {
  provider = "postgresql"
}

${body}
`,
  );
}

/**
 * @param {string} migrationsDir
 * @param {string} name
 * @param {string} sql
 */
export async function writeMigration(migrationsDir, name, sql) {
  await mkdir(path.join(migrationsDir, name), { recursive: true });
  await writeFile(path.join(migrationsDir, name, "migration.sql"), sql);
}

/**
 * @typedef {object} RunResult
 * @property {number | null} code
 * @property {string} stdout
 * @property {string} stderr
 * @property {number} ms
 */

/**
 * Run a command with a clean environment (no pnpm context, no engine override unless given).
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: Record<string, string | undefined>, cwd?: string, input?: string, timeoutMs?: number }} [options]
 * @returns {Promise<RunResult>}
 */
export function run(command, args, options = {}) {
  const env = { ...process.env };
  for (const key of [
    "INIT_CWD",
    "PNPM_PACKAGE_NAME",
    "PRISMA_SCHEMA_ENGINE_BINARY",
    "SUPABASE_DB_URL",
    "SHADOW_DATABASE_URL",
  ]) {
    delete env[key];
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 150_000); // a hang guard: one Prisma CLI start took up to 63 s on a loaded 2-core machine
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Timings of the CLI commands, printed at the end of the run. @type {[string, number][]} */
export const timings = [];

/**
 * Run the real `prisma-offline` wrapper.
 * @param {string[]} args
 * @param {{ env?: Record<string, string | undefined>, cwd?: string }} [options]
 */
export async function prisma(args, options = {}) {
  const result = await run(process.execPath, [wrapper, ...args], options);
  timings.push([args.filter((a) => !a.startsWith("/")).join(" "), result.ms]);
  return result;
}

/** @param {RunResult} r */
export function output(r) {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
