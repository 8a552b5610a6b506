// First: V8 settings that must be in place before any of the API runs.
import "./heap-settings.js";
import { EnvError, jsonLogger } from "@s3ssions/api/runtime";
import { startServer } from "./start-server.js";

// Entry of `pnpm start`: bundled to dist/server-app.mjs, started by dist/server.mjs, which
// turns Node's compile cache on first (see build.mjs).
//
// SIGTERM or SIGINT starts a graceful shutdown (see startServer's `stop`) and exits 0
// when it is done. A second signal during it changes nothing but a log line: the
// requests and webhook deliveries still running finish. If the shutdown is not done
// within SHUTDOWN_GRACE_MS (default 25 s, under the usual 30 s before a SIGKILL), the
// process logs what is left and exits 1; whatever was not delivered stays in the
// outbox for the cron drain.

const DEFAULT_GRACE_MS = 25_000;

function graceMs(): number {
  const raw = process.env.SHUTDOWN_GRACE_MS;
  if (raw === undefined || raw === "") return DEFAULT_GRACE_MS;
  const value = Number(raw);
  if (Number.isInteger(value) && value > 0) return value;
  jsonLogger.log("warn", "SHUTDOWN_GRACE_MS is not a positive whole number of ms; using the default", {
    value: raw,
    defaultMs: DEFAULT_GRACE_MS,
  });
  return DEFAULT_GRACE_MS;
}

type Started = Awaited<ReturnType<typeof startServer>>;
let started: Started | undefined;
let shutdown: { signal: string; at: number } | undefined;
const grace = graceMs();

function onSignal(signal: NodeJS.Signals): void {
  if (shutdown) {
    jsonLogger.log("warn", "signal during shutdown: still draining", {
      signal,
      first: shutdown.signal,
      sinceMs: Math.round(performance.now() - shutdown.at),
      forceExitInMs: Math.max(0, Math.round(shutdown.at + grace - performance.now())),
    });
    return;
  }
  shutdown = { signal, at: performance.now() };
  if (!started) {
    // Not listening yet: nothing is in flight.
    jsonLogger.log("info", "stopped before listening", { signal });
    process.exit(0);
  }
  const server = started;
  setTimeout(() => {
    jsonLogger.log("error", "shutdown grace period over: forcing exit", {
      signal,
      graceMs: grace,
      ...server.pending(),
    });
    process.exit(1);
  }, grace).unref();
  server.stop(signal).then(
    () => process.exit(0),
    (error: unknown) => {
      jsonLogger.log("error", "shutdown failed", { error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
}

// Installed before the server starts, and never removed: a repeated signal must not fall
// back to Node's default (an immediate exit in the middle of the drain).
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, onSignal);

// The production server: without APP_ENV it runs as production (fail closed).
startServer(process.env, { defaultAppEnv: "production" }).then(
  (server) => {
    started = server;
  },
  (error: unknown) => {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      jsonLogger.log("error", "start failed", { error: error instanceof Error ? error.message : String(error) });
    }
    process.exit(1);
  },
);
