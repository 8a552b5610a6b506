import type { Prisma } from "@s3ssions/db";
import type { Context } from "../context.js";
import { type TaskType, enqueueTasks } from "../tasks/outbox.js";
import { runTasksNow } from "../tasks/run-tasks.js";

export interface Change<T> {
  result: T;
  /** Tasks for commitChange to write. */
  events: { type: TaskType; data: Prisma.InputJsonObject }[];
  /** Tasks `work` wrote itself, in a statement of its own (a hot path saving a round trip). */
  enqueued?: string[];
}

/**
 * One state change: `work` and the tasks reporting it commit together in one
 * transaction, then the tasks run after the response (waitUntil). If the instance is
 * frozen first, the cron drain finds them.
 */
export async function commitChange<T>(
  ctx: Context,
  work: (tx: Prisma.TransactionClient) => Promise<Change<T>>,
): Promise<T> {
  const { result, taskIds } = await ctx.db.prisma.$transaction(async (tx) => {
    const change = await work(tx);
    return { result: change.result, taskIds: [...(change.enqueued ?? []), ...(await enqueueTasks(tx, change.events))] };
  });
  if (taskIds.length > 0) ctx.waitUntil(runTasksNow(ctx, taskIds));
  return result;
}
