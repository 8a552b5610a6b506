import type { Queryable } from "@s3ssions/db";
import type { Context } from "../../context.js";
import { runTasksNow } from "../../tasks/run-tasks.js";
import { appendSessionChange } from "../stores/session-feed.js";

export interface Change<T> {
  result: T;
  /**
   * The tasks this change wrote in its transaction, always through the outbox's one
   * statement (`enqueueTasks`, or `insertTasks` at the end of the change's own CTE).
   */
  taskIds: readonly string[];
  /**
   * The session whose seats or status this change moved: its new state goes to the live
   * feed in the same transaction. Absent when nothing a live viewer sees changed.
   */
  seatsChanged?: string | undefined;
}

/**
 * One state change: `work`, the live feed's entry for it and the tasks reporting it commit
 * together in one transaction, then the tasks run after the response (waitUntil). If the
 * instance is frozen first, the cron drain finds them.
 */
export async function commitChange<T>(ctx: Context, work: (tx: Queryable) => Promise<Change<T>>): Promise<T> {
  const { result, taskIds, seatsChanged } = await ctx.db.transaction(async (tx) => {
    const change = await work(tx);
    // Last: the feed's counter stays locked from this statement to the COMMIT only.
    if (change.seatsChanged) await appendSessionChange(tx, change.seatsChanged);
    return change;
  });
  // This instance's own viewers hear of it now, not at the next poll.
  if (seatsChanged) ctx.live.changed();
  if (taskIds.length > 0) ctx.waitUntil(runTasksNow(ctx, taskIds));
  return result;
}
