import { createApiRuntime, jsonLogger, parseEnv } from "@s3ssions/api";
import { type Database, getProcessDatabase } from "@s3ssions/db";
import { createBackgroundTracker } from "./background.js";
import { createFetchHandler } from "./fetch-handler.js";
import { listen } from "./node-server.js";

/**
 * The local server (`pnpm start`, and `pnpm dev` after its database is up): the same
 * fetch handler as the Vercel function, with graceful shutdown on SIGTERM/SIGINT.
 */
export async function startServer(
  source: Record<string, string | undefined> = process.env,
  /** Tests inject a database built differently, to prove what breaks without our defaults. */
  overrides: { db?: Database } = {},
) {
  const env = parseEnv(source);
  const db = overrides.db ?? getProcessDatabase(env.SUPABASE_DB_URL_TRANSACTION);
  const background = createBackgroundTracker();
  const logger = jsonLogger;
  const handler = createFetchHandler(createApiRuntime({ env, db, logger, waitUntil: background.waitUntil }));
  const port = Number(source.PORT ?? 3000);
  const server = await listen(handler, port, source.HOST ?? "0.0.0.0");
  logger.log("info", "listening", { port: server.port, env: env.APP_ENV, database: db.settings.target });

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      logger.log("info", "shutting down", { signal, background: background.size });
      await server.close();
      await background.drain();
      await db.close();
    })();
    return stopping;
  };
  return { server, stop, handler };
}
