import { type Database, type Prisma, raw, sql } from "@s3ssions/db";

/**
 * The task table's SQL. Every statement is one autocommitted statement on the pool
 * (`db.query`; safe through a transaction-mode pooler: no session state, no advisory
 * locks) built with the `sql` tag, so every value is a bind parameter.
 *
 * `attempts` is the fencing token: a claim increments it, and a runner may only finish
 * the task while it is still `running` with the attempt number it claimed. A runner whose
 * lease expired and whose task was claimed again cannot overwrite the newer claim.
 */

export interface ClaimedTask {
  id: string;
  kind: string;
  payload: Prisma.JsonValue;
  /** The attempt this claim is (1 for the first); also the fencing token. */
  attempts: number;
  createdAt: Date;
  lockedUntil: Date;
}

interface ClaimedRow {
  id: string;
  kind: string;
  payload: Prisma.JsonValue;
  attempts: number;
  created_at: Date;
  locked_until: Date;
}

export interface ClaimOptions {
  limit: number;
  leaseMs: number;
  /** Only these tasks (the ones a request just created). */
  ids?: readonly string[];
}

/**
 * Claims up to `limit` due tasks in one statement: pending ones whose `run_after` has
 * come, and running ones whose lease has expired (their runner died). Rows another
 * claim holds are skipped, not waited for, and a row that another claim changed after
 * this statement's snapshot is re-checked (READ COMMITTED re-evaluates the WHERE on the
 * new row version), so two concurrent claims never return the same task.
 */
export async function claimTasks(db: Database, options: ClaimOptions): Promise<ClaimedTask[]> {
  if (options.limit < 1 || (options.ids && options.ids.length === 0)) return [];
  const table = raw('"tasks"');
  const only = options.ids ? sql`AND id = ANY(${[...options.ids]}::uuid[])` : sql``;
  const rows = await db.query<ClaimedRow>(sql`
    UPDATE ${table}
       SET status = 'running',
           attempts = attempts + 1,
           locked_until = now() + ${options.leaseMs} * interval '1 millisecond',
           updated_at = now()
     WHERE id IN (
       SELECT id FROM ${table}
        WHERE ((status = 'pending' AND run_after <= now())
            OR (status = 'running' AND (locked_until IS NULL OR locked_until < now())))
          ${only}
        ORDER BY run_after, created_at
        LIMIT ${options.limit}
        FOR UPDATE SKIP LOCKED)
    RETURNING id, kind, payload, attempts, created_at, locked_until`);
  return rows
    .map((row) => ({
      id: row.id,
      kind: row.kind,
      payload: row.payload,
      attempts: row.attempts,
      createdAt: row.created_at,
      lockedUntil: row.locked_until,
    }))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

type Claim = Pick<ClaimedTask, "id" | "attempts">;

/** Marks the task done; false when this claim no longer holds it. */
export async function completeTask(db: Database, task: Claim): Promise<boolean> {
  const count = await db.execute(sql`
    UPDATE tasks
       SET status = 'done', completed_at = now(), locked_until = NULL, last_error = NULL, updated_at = now()
     WHERE id = ${task.id}::uuid AND status = 'running' AND attempts = ${task.attempts}`);
  return count === 1;
}

/** Back to pending, due again after `delayMs`; false when this claim no longer holds it. */
export async function retryTask(db: Database, task: Claim, delayMs: number, error: string): Promise<boolean> {
  const count = await db.execute(sql`
    UPDATE tasks
       SET status = 'pending', run_after = now() + ${Math.max(0, Math.round(delayMs))} * interval '1 millisecond',
           locked_until = NULL, last_error = ${error}, updated_at = now()
     WHERE id = ${task.id}::uuid AND status = 'running' AND attempts = ${task.attempts}`);
  return count === 1;
}

/** Gives up for good (the row stays, with the reason); false when this claim no longer holds it. */
export async function failTask(db: Database, task: Claim, error: string): Promise<boolean> {
  const count = await db.execute(sql`
    UPDATE tasks
       SET status = 'failed', completed_at = now(), locked_until = NULL, last_error = ${error}, updated_at = now()
     WHERE id = ${task.id}::uuid AND status = 'running' AND attempts = ${task.attempts}`);
  return count === 1;
}

/**
 * Hands a claimed task back, due now, without having sent anything (too little time was
 * left), and uncounts the attempt. Reusing the attempt number as a fence is safe here:
 * the releasing runner never touches the task again.
 */
export async function releaseTask(db: Database, task: Claim): Promise<boolean> {
  const count = await db.execute(sql`
    UPDATE tasks
       SET status = 'pending', attempts = attempts - 1, run_after = now(), locked_until = NULL, updated_at = now()
     WHERE id = ${task.id}::uuid AND status = 'running' AND attempts = ${task.attempts}`);
  return count === 1;
}

/** Done tasks are kept this long (for support and audits), then pruned by the cron. */
export const DONE_TASK_RETENTION_DAYS = 30;

/** Deletes done tasks completed more than `olderThanDays` ago; failed ones stay for a person to look at. */
export async function pruneDoneTasks(db: Database, olderThanDays = DONE_TASK_RETENTION_DAYS): Promise<number> {
  return db.execute(sql`
    DELETE FROM tasks WHERE status = 'done' AND completed_at < now() - ${olderThanDays} * interval '1 day'`);
}
