import { drainDueTasks, type TaskRuntime } from "./run-tasks.js";

/**
 * Deliveries that do not wait for a cron. Vercel's Hobby plan runs a cron once a day at
 * most, so a retry that fell due, or a task whose instance was frozen before it ran,
 * would wait hours for the daily drain. Instead, after a response, a request that finds
 * tasks overdue drains a bounded few of them through `waitUntil`: at most one such drain
 * per instance at a time, and at most one a minute, so a busy instance does not spend a
 * query per request on it. The daily cron (or a per-minute one on the Pro plan) remains
 * the safety net for an app nobody calls.
 */
export const OVERDUE_DRAIN = {
  /** Least time between two drains of one instance. */
  everyMs: 60_000,
  /** Most tasks one drain claims. */
  limit: 5,
  /** Wall-clock budget of one drain, deliveries included (far under maxDuration). */
  budgetMs: 10_000,
} as const;

export interface OverdueDrainRuntime extends TaskRuntime {
  waitUntil: (promise: Promise<unknown>) => void;
}

/** Returns the hook to call once a response is ready; it hands a drain to `waitUntil` when one is due. */
export function createOverdueDrain(
  runtime: OverdueDrainRuntime,
  options: { everyMs: number; limit: number; budgetMs: number } = OVERDUE_DRAIN,
): () => void {
  let lastStarted = Number.NEGATIVE_INFINITY;
  let running = false;
  return function afterResponse() {
    const now = performance.now();
    if (running || now - lastStarted < options.everyMs) return;
    lastStarted = now;
    running = true;
    const drain = drainDueTasks(runtime, { limit: options.limit, budgetMs: options.budgetMs })
      .then(
        (counts) => {
          if (counts.claimed > 0) runtime.logger.log("info", "overdue tasks drained", { ...counts });
        },
        (error: unknown) => {
          runtime.logger.log("warn", "overdue task drain failed", {
            error: error instanceof Error ? error.message : String(error),
          });
        },
      )
      .finally(() => {
        running = false;
      });
    runtime.waitUntil(drain);
  };
}
