import { TRPCError } from "@trpc/server";
import type { Context } from "../../context.js";
import { type DatabaseHealthOk, databaseHealth } from "../../health/health-report.js";

/** The procedure twin of GET /health/db: the same report, and 503 when disconnected. */
export async function dbHandler({ ctx }: { ctx: Context }): Promise<DatabaseHealthOk> {
  const health = await databaseHealth(ctx);
  if (health.status === "ok") return health;
  throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: `database disconnected: ${health.reason}` });
}
