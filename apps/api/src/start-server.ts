import { type AppEnv, createApiRuntime, jsonLogger, parseEnv } from "@s3ssions/api/runtime";
import { type Database, getProcessDatabase } from "@s3ssions/db";
import { createBackgroundTracker } from "./background.js";
import { createFetchHandler } from "./fetch-handler.js";
import { listen } from "./node-server.js";

/**
 * The local server (`pnpm start`, and `pnpm dev` after its database is up): the same
 * fetch handler as the Vercel function, with a graceful `stop`.
 */
export async function startServer(
  source: Record<string, string | undefined> = process.env,
  options: {
    /** Tests inject a database built differently, to prove what breaks without our defaults. */
    db?: Database;
    /** APP_ENV when none is set: `pnpm start` passes "production" (fail closed), `pnpm dev` keeps "development". */
    defaultAppEnv?: AppEnv;
  } = {},
) {
  const env = parseEnv(source, { defaultAppEnv: options.defaultAppEnv });
  const db = options.db ?? getProcessDatabase(env.SUPABASE_DB_URL_TRANSACTION, { caPem: env.SUPABASE_DB_CA_CERT });
  const background = createBackgroundTracker();
  const logger = jsonLogger;
  const runtime = createApiRuntime({ env, db, logger, waitUntil: background.waitUntil });
  const handler = createFetchHandler(runtime);
  const port = Number(source.PORT ?? 3000);
  const server = await listen(handler, port, source.HOST ?? "0.0.0.0", logger);
  logger.log("info", "listening", {
    port: server.port,
    env: env.APP_ENV,
    database: db.settings.target,
    databaseUrlFrom: env.databaseUrlFrom.pooler,
    pooler: db.settings.pgbouncer,
    tls: db.settings.tlsMode,
  });

  let stopping: Promise<void> | undefined;
  /**
   * Graceful shutdown, in order: stop accepting connections, finish the requests in
   * flight, run the background work they queued (webhook deliveries handed to
   * waitUntil) to its end, close the database. Calling it again returns the same promise.
   */
  const stop = (signal: string) => {
    if (stopping) {
      logger.log("warn", "shutdown already in progress", {
        signal,
        inFlight: server.inFlight,
        background: background.size,
      });
      return stopping;
    }
    stopping = (async () => {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      logger.log("info", "shutting down", { signal, inFlight: server.inFlight, background: background.size });
      // Live streams never finish by themselves: end them, and their clients resume on another instance.
      const liveStreams = handler.liveStreams.open;
      handler.liveStreams.endAll();
      runtime.live.close();
      if (liveStreams > 0) logger.log("info", "live streams ended", { streams: liveStreams });
      await server.close();
      logger.log("info", "requests drained", { ms: elapsed(), background: background.size });
      const tasks = background.size;
      await background.drain();
      logger.log("info", "background work drained", { ms: elapsed(), tasks });
      await db.close();
      logger.log("info", "stopped", { signal, ms: elapsed() });
    })();
    return stopping;
  };
  /** What a forced exit leaves undone, for its log line. */
  const pending = () => ({ inFlight: server.inFlight, background: background.size });
  return { server, stop, handler, pending };
}
