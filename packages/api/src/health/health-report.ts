import { checkDatabase } from "@s3ssions/db";
import type { ApiDependencies } from "../context.js";

/** The fields the old service answered; clients and monitors compare them verbatim. */
export const DEPLOYMENT_SHAPE = {
  platform: "vercel_serverless",
  mode: "unified_engine",
  engine: "supabase_transaction_6543",
  config: "statement_cache_size_0_pgbouncer_optimized",
} as const;

export interface DatabaseHealthOk {
  status: "ok";
  database: "connected";
  platform: typeof DEPLOYMENT_SHAPE.platform;
  mode: typeof DEPLOYMENT_SHAPE.mode;
  engine: typeof DEPLOYMENT_SHAPE.engine;
  config: typeof DEPLOYMENT_SHAPE.config;
  latencyMs: number;
}

export interface DatabaseHealthError {
  status: "error";
  database: "disconnected";
  platform: typeof DEPLOYMENT_SHAPE.platform;
  reason: string;
  latencyMs: number;
}

export type DatabaseHealth = DatabaseHealthOk | DatabaseHealthError;

export async function databaseHealth(deps: Pick<ApiDependencies, "db">): Promise<DatabaseHealth> {
  const check = await checkDatabase(deps.db);
  if (check.ok) {
    return { status: "ok", database: "connected", ...DEPLOYMENT_SHAPE, latencyMs: check.latencyMs };
  }
  return {
    status: "error",
    database: "disconnected",
    platform: DEPLOYMENT_SHAPE.platform,
    reason: check.reason,
    latencyMs: check.latencyMs,
  };
}

const startedAt = Date.now();

export interface ServiceHealth {
  status: "ok";
  platform: typeof DEPLOYMENT_SHAPE.platform;
  mode: typeof DEPLOYMENT_SHAPE.mode;
  environment: string;
  version: string;
  region: string;
  uptimeSeconds: number;
  /** Whether this request was the instance's first. */
  coldStart: boolean;
}

/** Liveness: answers without touching the database. */
export function serviceHealth(deps: Pick<ApiDependencies, "env">, instance = { coldStart: false }): ServiceHealth {
  return {
    status: "ok",
    platform: DEPLOYMENT_SHAPE.platform,
    mode: DEPLOYMENT_SHAPE.mode,
    environment: deps.env.APP_ENV,
    version: deps.env.VERCEL_GIT_COMMIT_SHA ?? "dev",
    region: deps.env.VERCEL_REGION ?? "local",
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    coldStart: instance.coldStart,
  };
}
