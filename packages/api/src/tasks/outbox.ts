import type { Prisma } from "@s3ssions/db";

/** Every event the API reports to WEBHOOK_URL. */
export const TASK_TYPES = [
  "booking.confirmed",
  "booking.waitlisted",
  "booking.promoted",
  "booking.cancelled",
  "session.cancelled",
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/**
 * Writes a task in the caller's transaction: it commits with the change it reports or
 * not at all, so a function frozen after the commit loses nothing (the cron drain
 * delivers it). Returns the task id, which is also the webhook's idempotency key.
 */
export async function enqueueTask(
  tx: Prisma.TransactionClient,
  type: TaskType,
  data: Prisma.InputJsonObject,
): Promise<string> {
  const task = await tx.task.create({ data: { kind: type, payload: data }, select: { id: true } });
  return task.id;
}

/** Several tasks in one statement (a cancelled session notifies every booking). */
export async function enqueueTasks(
  tx: Prisma.TransactionClient,
  tasks: { type: TaskType; data: Prisma.InputJsonObject }[],
): Promise<string[]> {
  if (tasks.length === 0) return [];
  const rows = await tx.task.createManyAndReturn({
    data: tasks.map((task) => ({ kind: task.type, payload: task.data })),
    select: { id: true },
  });
  return rows.map((row) => row.id);
}
