// First: V8 settings that must be in place before any of the API runs.
import "./heap-settings.js";
import { createApiRuntime, jsonLogger, logsWritten, parseEnv } from "@s3ssions/api/runtime";
import { getProcessDatabase } from "@s3ssions/db";
import { waitUntil } from "@vercel/functions";
import { createFetchHandler } from "./fetch-handler.js";

// Module scope runs once per function instance: env is validated and the one database
// handle created here (no connection yet), then every invocation reuses them.
//
// No `module.enableCompileCache()` here, on purpose: this bundle is one file, compiled whole
// before this line could run, and a cold instance starts with an empty /tmp, so there is
// nothing to read back. Cold-start trims live in build.mjs and prisma/schema.prisma
// (compilerBuild "small"); packages/bench/src/cold-start.mjs times each part.
// Without APP_ENV a deployment is production (fail closed), preview deployments included.
const env = parseEnv(process.env, { defaultAppEnv: "production" });
const handler = createFetchHandler(
  createApiRuntime({
    env,
    db: getProcessDatabase(env.SUPABASE_DB_URL_TRANSACTION, { caPem: env.SUPABASE_DB_CA_CERT }),
    logger: jsonLogger,
    waitUntil,
  }),
);

/**
 * The Vercel Node runtime's web-handler shape. The request's log line is written after
 * the response (see the logger); waitUntil keeps the instance up until it is.
 */
export default {
  async fetch(request: Request): Promise<Response> {
    const response = await handler(request);
    waitUntil(logsWritten());
    return response;
  },
};
