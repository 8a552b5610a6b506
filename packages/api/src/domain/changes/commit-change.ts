import type { Queryable } from "@s3ssions/db";
import type { Context } from "../../context.js";
import { runTasksNow } from "../../tasks/run-tasks.js";

export interface Change<T> {
  result: T;
  /**
   * The tasks this change wrote in its transaction, always through the outbox's one
   * statement (`enqueueTasks`, or `insertTasks` at the end of the change's own CTE).
   */
  taskIds: readonly string[];
}

/**
 * One state change: `work` and the tasks reporting it commit together in one
 * transaction, then the tasks run after the response (waitUntil). If the instance is
 * frozen first, the cron drain finds them.
 */
export async function commitChange<T>(
  ctx: Context,
  work: (tx: Queryable) => Promise<Change<T>>,
): Promise<T> {
  const { result, taskIds } = await ctx.db.transaction(work);
  if (taskIds.length > 0) ctx.waitUntil(runTasksNow(ctx, taskIds));
  return result;
}
