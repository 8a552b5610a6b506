import { join, type Prisma, type Queryable, type Sql, sql } from "@s3ssions/db";

/** Every event the API reports to WEBHOOK_URL. */
export const TASK_TYPES = [
  "booking.confirmed",
  "booking.waitlisted",
  "booking.promoted",
  "booking.cancelled",
  "session.cancelled",
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** One event to report: a task's kind and its webhook `data`. */
export interface TaskEvent {
  type: TaskType;
  data: Prisma.InputJsonObject;
}

/**
 * The one statement that writes tasks: `INSERT … RETURNING id::text AS "taskId"`, one row
 * per event. Run alone by `enqueueTasks`, or as the last statement of a change's own
 * data-modifying CTE when a hot path must not spend a round trip on it.
 */
export function insertTasks(events: readonly TaskEvent[]): Sql {
  if (events.length === 0) throw new Error("insertTasks needs at least one event");
  const rows = events.map(
    (event) => sql`(gen_random_uuid(), ${event.type}, ${JSON.stringify(event.data)}::jsonb, now())`,
  );
  return sql`INSERT INTO tasks (id, kind, payload, updated_at) VALUES ${join(rows, ", ")} RETURNING id::text AS "taskId"`;
}

/**
 * Writes tasks in the caller's transaction: they commit with the change they report or
 * not at all, so a function frozen after the commit loses nothing (the cron drain
 * delivers them). Returns their ids, which are also the webhooks' idempotency keys.
 */
export async function enqueueTasks(tx: Queryable, events: readonly TaskEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  return taskIdsOf(await tx.query<{ taskId: string }>(insertTasks(events)));
}

/** The ids `insertTasks` returned, in whatever statement it ended. */
export function taskIdsOf(rows: readonly { taskId: string }[]): string[] {
  return rows.map((row) => row.taskId);
}
