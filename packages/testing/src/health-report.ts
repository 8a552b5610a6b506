/**
 * What GET /health/db (and tRPC `health.db`) answers when the database is reachable, field
 * for field as the old service did, `latencyMs` aside: clients and monitors compare it verbatim,
 * so the tests spell it out here rather than import the API's own constant.
 */
export const CONNECTED_DB_REPORT = {
  status: "ok",
  database: "connected",
  platform: "vercel_serverless",
  mode: "unified_engine",
  engine: "supabase_transaction_6543",
  config: "statement_cache_size_0_pgbouncer_optimized",
} as const;
