import type { Context } from "../../context.js";
import { type ServiceHealth, serviceHealth } from "../../health/health-report.js";

export function checkHandler({ ctx }: { ctx: Context }): ServiceHealth {
  return serviceHealth(ctx, { coldStart: ctx.coldStart });
}
