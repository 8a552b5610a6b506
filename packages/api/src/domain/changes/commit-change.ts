import type { Queryable } from "@s3ssions/db";
import { TRPCError } from "@trpc/server";
import type { Context } from "../../context.js";
import { recordOutcome, successOutcome } from "../../idempotency/index.js";
import { runTasksNow } from "../../tasks/run-tasks.js";

export interface Change<T> {
  result: T;
  /**
   * The tasks this change wrote in its transaction, always through the outbox's one
   * statement (`enqueueTasks`, or `insertTasks` at the end of the change's own CTE).
   */
  taskIds: readonly string[];
  /**
   * The session whose seats or status this change moved, so this instance's live viewers
   * hear of it at once. The feed's entry itself is the database's: the change's COMMIT
   * appends it (migration 20261204120000_session_feed_at_commit). Absent when nothing a
   * live viewer sees changed.
   */
  seatsChanged?: string | undefined;
}

/**
 * One state change: `work`, the tasks reporting it, the outcome of the request's
 * Idempotency-Key and (at COMMIT, by the database) the live feed's entry for it commit
 * together in one transaction, then the tasks run after the response (waitUntil). If the
 * instance is frozen first, the cron drain finds them; if it dies after the commit, a retry
 * with the key replays this result.
 */
export async function commitChange<T>(ctx: Context, work: (tx: Queryable) => Promise<Change<T>>): Promise<T> {
  const claim = ctx.idempotency;
  const { result, taskIds, seatsChanged } = await ctx.db.transaction(async (tx) => {
    const change = await work(tx);
    if (claim && !(await recordOutcome(tx, claim, successOutcome(change.result)))) {
      // Our claim was taken over as abandoned: the other request's run is the key's; roll back.
      throw new TRPCError({ code: "CONFLICT", message: "This Idempotency-Key was taken over by a retry" });
    }
    return change;
  });
  if (claim) claim.recorded = true;
  // This instance's own viewers hear of it now, not at the next poll.
  if (seatsChanged) ctx.live.changed();
  if (taskIds.length > 0) ctx.waitUntil(runTasksNow(ctx.background, taskIds));
  return result;
}
