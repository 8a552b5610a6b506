/** GET /health and GET /health/db, with the fields and values ours answers. */
import type pg from "pg";
import { type BaselineResponse, json } from "./http.js";

const DEPLOYMENT = {
  platform: "vercel_serverless",
  mode: "unified_engine",
  engine: "supabase_transaction_6543",
  config: "statement_cache_size_0_pgbouncer_optimized",
} as const;
const startedAt = Date.now();

/** Liveness: no database. */
export function health(env: Record<string, string | undefined>, coldStart: boolean): BaselineResponse {
  return json(200, {
    status: "ok",
    platform: DEPLOYMENT.platform,
    mode: DEPLOYMENT.mode,
    environment: env.APP_ENV ?? "development",
    version: env.VERCEL_GIT_COMMIT_SHA ?? "dev",
    region: env.VERCEL_REGION ?? "local",
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    coldStart,
  });
}

export async function healthDb(pool: pg.Pool): Promise<BaselineResponse> {
  const started = performance.now();
  try {
    await pool.query("SELECT 1");
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return json(200, { status: "ok", database: "connected", ...DEPLOYMENT, latencyMs });
  } catch {
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return json(503, {
      status: "error",
      database: "disconnected",
      platform: DEPLOYMENT.platform,
      reason: "database unreachable",
      latencyMs,
    });
  }
}
