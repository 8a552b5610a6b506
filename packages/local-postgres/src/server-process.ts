import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile, realpath, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { HOST, PASSWORD, USER } from "./local-server.js";

const run = promisify(execFile);
const STOP_TIMEOUT_MS = 15_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function tail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Whether `pid` is a running process. A zombie (exited, not yet reaped by init) counts as gone. */
export function isAlive(pid: number): boolean {
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

export interface ServerInfo {
  dataDirectory: string;
  version: string;
}

/** One connection attempt: what the server on `port` says about itself, or undefined. */
export async function probe(port: number): Promise<ServerInfo | undefined> {
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

export async function isDataDir(info: ServerInfo, dataDir: string): Promise<boolean> {
  return (await realpath(info.dataDirectory).catch(() => info.dataDirectory)) === dataDir;
}

/** Waits until `pid` is gone, escalating SIGINT (fast) → SIGQUIT (immediate) → SIGKILL. */
export async function terminate(pid: number, exited: () => boolean): Promise<void> {
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
export async function takeOverLeftover(
  dataDir: string,
  port: number,
  log: (message: string, fields?: Record<string, unknown>) => void,
): Promise<{ pid: number; info: ServerInfo } | undefined> {
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
