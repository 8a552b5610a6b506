import { bearerTokenOf, createSecretMatcher } from "../auth/credentials.js";
import { pruneSessionFeed } from "../domain/stores/session-feed.js";
import { httpError, jsonResponse } from "../http-response.js";
import { pruneIdempotencyKeys } from "../idempotency/store.js";
import { redactSecrets } from "../logger.js";
// From the store, not the index: the index brings the tRPC middleware (TRPCError and
// @trpc/server's init) into every cold start.
import { pruneRateLimits, RATE_LIMIT_PRUNE_AFTER_SECONDS } from "../rate-limit/store.js";
import { type DrainOptions, drainDueTasks, type TaskRuntime } from "./run-tasks.js";
import { pruneDoneTasks } from "./store.js";

export const CRON_TASKS_PATH = "/api/cron/tasks";

/**
 * `GET /api/cron/tasks`: Vercel Cron calls it with `Authorization: Bearer $CRON_SECRET`.
 * Drains due tasks within the function's time budget and answers the counts. Without a
 * configured CRON_SECRET it refuses (503): it is never open.
 */
export async function handleCronTasksRequest(
  runtime: TaskRuntime,
  request: Request,
  requestId: string,
  options: DrainOptions = {},
): Promise<Response> {
  if (request.method !== "GET") {
    return httpError(405, "METHOD_NOT_SUPPORTED", `${request.method} is not allowed here`, requestId, { allow: "GET" });
  }
  const secret = runtime.env.CRON_SECRET;
  if (!secret) {
    return httpError(503, "SERVICE_UNAVAILABLE", "CRON_SECRET is not configured", requestId);
  }
  const token = bearerTokenOf(request.headers);
  if (token === undefined || !createSecretMatcher([secret])(token)) {
    return httpError(401, "UNAUTHORIZED", "A valid cron secret is required", requestId, {
      "www-authenticate": "Bearer",
    });
  }
  const started = performance.now();
  try {
    const counts = await drainDueTasks(runtime, options);
    // The cron is the one periodic job: it also clears rate-limit windows idle for an hour.
    const prunedRateLimits = await pruneRateLimits(runtime.db, { olderThanSeconds: RATE_LIMIT_PRUNE_AFTER_SECONDS });
    const prunedTasks = await pruneDoneTasks(runtime.db);
    const prunedIdempotencyKeys = await pruneIdempotencyKeys(runtime.db);
    // And the live feed's entries past their retention (a resume from there gets the current state).
    const prunedFeed = await pruneSessionFeed(runtime.db);
    const durationMs = Math.round(performance.now() - started);
    const pruned = { prunedRateLimits, prunedTasks, prunedIdempotencyKeys, prunedFeed };
    runtime.logger.log("info", "cron tasks drained", { ...counts, ...pruned, durationMs });
    return jsonResponse({ status: "ok", ...counts, ...pruned, durationMs }, 200);
  } catch (cause) {
    runtime.logger.log("error", "cron tasks drain failed", {
      error: redactSecrets(cause instanceof Error ? cause.message : String(cause)).slice(0, 300),
    });
    return httpError(500, "INTERNAL_SERVER_ERROR", "Draining tasks failed", requestId);
  }
}
