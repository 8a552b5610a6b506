import { createApiRuntime, jsonLogger, parseEnv } from "@s3ssions/api";
import { getProcessDatabase } from "@s3ssions/db";
import { waitUntil } from "@vercel/functions";
import { createFetchHandler } from "./fetch-handler.js";

// Module scope runs once per function instance: env is validated and the one database
// handle created here (no connection yet), then every invocation reuses them.
const env = parseEnv(process.env);
const handler = createFetchHandler(
  createApiRuntime({ env, db: getProcessDatabase(env.SUPABASE_DB_URL_TRANSACTION), logger: jsonLogger, waitUntil }),
);

/** The Vercel Node runtime's web-handler shape. */
export default { fetch: handler };
