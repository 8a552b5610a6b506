import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { SERVER_BUNDLE } from "./paths.js";

export interface ApiProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the "listening" log line. */
  listeningAfterMs: number;
  /** Every line the process wrote to stdout and stderr, in order. */
  output: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** How one server process ended after SIGTERM, from its own log lines. */
export interface ShutdownReport {
  /** Requests in flight when the signal arrived (its "shutting down" line); undefined if never logged. */
  inFlightAtSignal: number | undefined;
  /** It logged "requests drained" and "stopped" (the database closed). */
  drained: boolean;
  exitCode: number | null;
}

/** SIGTERM, wait for the exit, read what the process said about its shutdown. */
export async function shutdown(api: ApiProcess): Promise<ShutdownReport> {
  const exitCode = await api.stop("SIGTERM");
  const line = (msg: string) => api.output.find((l) => l.includes(`"msg":"${msg}"`));
  const signalled = line("shutting down");
  return {
    inFlightAtSignal: signalled ? Number(JSON.parse(signalled).inFlight) : undefined,
    drained: line("requests drained") !== undefined && line("stopped") !== undefined,
    exitCode,
  };
}

export interface SpawnApiOptions {
  env: Record<string, string | undefined>;
  /** Defaults to the production bundle of `pnpm start`. */
  entry?: string;
  /** Node flags before the entry, e.g. `--import tsx` for a TypeScript fixture. */
  args?: string[];
  cwd?: string;
  timeoutMs?: number;
}

/** Starts a real API server process on a free port and waits until it listens. */
export async function spawnApi(options: SpawnApiOptions): Promise<ApiProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.args ?? []), options.entry ?? SERVER_BUNDLE], {
    env: { PATH: process.env.PATH, APP_ENV: "test", PORT: "0", HOST: "127.0.0.1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    cwd: options.cwd,
  });
  const output: string[] = [];
  let resolvePort: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => {
    resolvePort = resolve;
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on("line", (line) => {
      output.push(line);
      if (line.includes('"msg":"listening"')) resolvePort(JSON.parse(line).port);
    });
  }
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const result = await Promise.race([
    port,
    exited.then((code) => new Error(`API process exited with ${code} before listening:\n${output.join("\n")}`)),
    new Promise<Error>((resolve) =>
      setTimeout(() => resolve(new Error(`API process not listening after ${timeoutMs} ms`)), timeoutMs).unref(),
    ),
  ]);
  if (result instanceof Error) {
    child.kill("SIGKILL");
    throw result;
  }
  return {
    baseUrl: `http://127.0.0.1:${result}`,
    child,
    listeningAfterMs: performance.now() - started,
    output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
