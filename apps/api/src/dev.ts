// First: V8 settings that must be in place before any of the API runs.
import "./heap-settings.js";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { DATABASE_URL_VARIABLES } from "@s3ssions/db/database-urls";
import { type EmbeddedPostgres, EmbeddedPostgresError, startEmbeddedPostgres } from "@s3ssions/local-postgres";

/**
 * Entry of `pnpm dev` (under `tsx watch`, which restarts it with SIGTERM on every change).
 *
 * With a database URL in the environment it only starts the server. Without one it first
 * brings up an embedded Postgres with its data in `<repo>/.data/postgres`, applies the
 * migrations, seeds demo data into an empty database, and points the server at it.
 *
 * Environment: `S3SSIONS_DATA_DIR` (default `<repo>/.data`), `EMBEDDED_PG_PORT`
 * (default 54329), `S3SSIONS_DEV_WATCH=1` (set by the `dev` script: the parent is
 * `tsx watch`), plus everything `startServer` reads.
 */

/** A module that fails to load: fixing the code restarts `tsx watch`, so pnpm dev keeps waiting. */
class CodeError extends Error {}
// The heavy modules (tRPC router, Prisma client, schema engine) load while Postgres starts.
const loadCode = <T>(module: Promise<T>) =>
  module.catch((error: unknown) => {
    throw new CodeError(error instanceof Error ? error.message : String(error));
  });
const apiModule = loadCode(import("@s3ssions/api"));
const serverModule = loadCode(import("./start-server.js"));
const dbModule = loadCode(import("@s3ssions/db"));
const seedModule = loadCode(import("@s3ssions/db/seed"));
const engineModule = loadCode(import("@s3ssions/schema-engine"));
for (const loading of [apiModule, serverModule, dbModule, seedModule, engineModule]) loading.catch(() => {});

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MIGRATIONS_DIR = join(REPO_ROOT, "prisma", "migrations");
const DATABASE = "s3ssions";
const DEFAULT_PORT = 54329;
/** tsx watch sends SIGKILL 5 s after its SIGTERM: stop within that. */
const STARTUP_GRACE_MS = 3_000;

type Level = "info" | "warn" | "error";
function log(level: Level, message: string, fields?: Record<string, unknown>): void {
  apiModule.then(
    ({ jsonLogger }) => jsonLogger.log(level, message, fields),
    () => {},
  );
}

let server: { stop(signal: string): Promise<void> } | undefined;
let postgres: EmbeddedPostgres | undefined;
let shuttingDown: Promise<void> | undefined;
let lastSignalAt = 0;

class Interrupted extends Error {}
/** A problem best shown as plain text. */
class DevError extends Error {}

/** Between start steps: a signal that arrived meanwhile ends the start here. */
function checkpoint(): void {
  if (shuttingDown) throw new Interrupted();
}

function configured(name: string): boolean {
  const value = process.env[name];
  if (value !== undefined && value.trim() === "") delete process.env[name];
  return Boolean(process.env[name]);
}

function embeddedPort(): number {
  const raw = process.env.EMBEDDED_PG_PORT;
  if (raw === undefined || raw === "") return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new DevError(`EMBEDDED_PG_PORT must be a port number (1-65535), got "${raw}"`);
  }
  return port;
}

async function hasSessions(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM "sessions") AS any');
    return rows[0]?.any === true;
  } finally {
    await client.end();
  }
}

async function startEmbedded(): Promise<void> {
  const dataRoot = resolve(process.env.S3SSIONS_DATA_DIR || join(REPO_ROOT, ".data"));
  const port = embeddedPort();
  postgres = await startEmbeddedPostgres({
    dataDir: join(dataRoot, "postgres"),
    port,
    database: DATABASE,
    onLog: (message, fields) => log("info", message, fields),
  });
  checkpoint();
  const shownRoot = postgres.unreachable
    ? postgres.dataRoot
    : relative(REPO_ROOT, dataRoot) === ".data"
      ? `.data (in ${REPO_ROOT.replace(/\/$/, "")})`
      : dataRoot;
  const why = postgres.unreachable
    ? ` (Postgres runs as another user, which cannot enter ${postgres.unreachable}: set S3SSIONS_DATA_DIR to choose)`
    : "";
  process.stderr.write(
    `Embedded Postgres ${postgres.serverVersion} on 127.0.0.1:${port}, data in ${postgres.dataDir}` +
      `${postgres.initialised ? " (new)" : ""}${why}. To start over: stop pnpm dev, then rm -rf ${shownRoot}\n`,
  );

  let started = performance.now();
  const { migrateDeploy } = await engineModule;
  const applied = await migrateDeploy({ url: postgres.url, migrationsDir: MIGRATIONS_DIR });
  const migrateMs = performance.now() - started;
  checkpoint();

  // Demo data on the first start only: a database with sessions is left alone.
  started = performance.now();
  let seeded: { sessions: number; bookings: number } | undefined;
  if (!(await hasSessions(postgres.url))) {
    const { createDatabase } = await dbModule;
    const { seedDemoData } = await seedModule;
    const db = createDatabase({ url: postgres.url });
    try {
      const result = await seedDemoData(await db.ready());
      if (result.seeded) seeded = { sessions: result.sessions, bookings: result.bookings };
    } finally {
      await db.close();
    }
  }
  const seedMs = performance.now() - started;
  checkpoint();

  process.env.SUPABASE_DB_URL = postgres.url;
  process.env.SUPABASE_DB_URL_TRANSACTION = `${postgres.url}?connection_limit=1`;
  log("info", "embedded database ready", {
    postgres: postgres.serverVersion,
    port,
    dataDir: postgres.dataDir,
    initialised: postgres.initialised,
    adopted: postgres.adopted,
    migrationsApplied: applied,
    seeded: seeded ?? false,
    ms: {
      init: Math.round(postgres.timings.initMs),
      start: Math.round(postgres.timings.startMs),
      migrate: Math.round(migrateMs),
      seed: Math.round(seedMs),
      sinceProcessStart: Math.round(performance.now()),
    },
  });
}

async function main(): Promise<void> {
  if (!Object.values(DATABASE_URL_VARIABLES).flat().some(configured)) await startEmbedded();
  checkpoint();
  const { startServer } = await serverModule;
  checkpoint();
  server = await startServer();
}

/** Stops the server (draining requests and background work), then Postgres, then exits. */
function shutdown(signal: NodeJS.Signals, startup: Promise<void>): void {
  if (shuttingDown) {
    // tsx relays Ctrl-C as well as the terminal: one key press may arrive twice.
    if (Date.now() - lastSignalAt < 1_000) return;
    process.stderr.write(`Second ${signal}: stopping immediately.\n`);
    postgres?.kill();
    process.exit(1);
  }
  lastSignalAt = Date.now();
  shuttingDown = (async () => {
    let code = 0;
    // Let a start step in progress finish (a migration is not cut in half), but not forever.
    await Promise.race([startup.catch(() => {}), new Promise((done) => setTimeout(done, STARTUP_GRACE_MS))]);
    try {
      await server?.stop(signal);
    } catch (error) {
      code = 1;
      log("error", "server stop failed", { error: error instanceof Error ? error.message : String(error) });
    }
    if (postgres) {
      await postgres.stop();
      log("info", "embedded postgres stopped", { port: postgres.port });
    }
    await apiModule.catch(() => {}); // flush queued log lines
    process.exit(code);
  })();
}

const startup = main();
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(signal, () => shutdown(signal, startup));
}
startup.catch(async (error: unknown) => {
  if (error instanceof Interrupted || shuttingDown) return; // shutdown() takes it from here
  const { EnvError } = await apiModule.catch(() => ({ EnvError: DevError }));
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = error instanceof EnvError || error instanceof EmbeddedPostgresError || error instanceof DevError;
  const message = known
    ? (error as Error).message
    : code === "EADDRINUSE"
      ? `port ${process.env.PORT ?? 3000} is taken: stop what uses it or set PORT to another port`
      : `pnpm dev could not start: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  await postgres?.stop();
  // Under `tsx watch` a failed start would wait for a file change forever: a start that
  // fails for a reason outside the code (environment, database, port) ends pnpm dev.
  if (process.env.S3SSIONS_DEV_WATCH === "1" && !(error instanceof CodeError)) process.kill(process.ppid, "SIGTERM");
  process.exit(1);
});
