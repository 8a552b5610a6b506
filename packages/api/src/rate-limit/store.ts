import { type Database, raw, sql } from "@s3ssions/db";

/**
 * The rate-limit table's SQL: one fixed-window counter per (user, action), counted by a
 * single autocommitted `INSERT … ON CONFLICT … DO UPDATE … RETURNING`. One statement is
 * atomic on its own, so the count is exact however many function instances write at
 * once, and it needs nothing a transaction-mode pooler would break (no session state, no
 * advisory lock, no transaction spanning statements). Time is the database's `now()`, so
 * instances with skewed clocks agree on the window.
 */

export interface WindowCount {
  /** Attempts counted in the current window, this one included. */
  hits: number;
  /** Whole seconds until the current window ends, 1 to the window's length (stored times are rounded to ms). */
  resetsInSeconds: number;
}

/**
 * Counts one attempt of `action` by `userId` and returns the window's count. A window
 * starts at a user's first attempt and lasts `windowSeconds`; the first attempt after it
 * ends starts a new one. Attempts are counted whether or not they are then allowed: a
 * caller who keeps hammering stays limited until the window ends, no longer.
 */
export async function countAttempt(
  db: Database,
  userId: string,
  action: string,
  windowSeconds: number,
): Promise<WindowCount> {
  const table = raw('"rate_limits"');
  const window = sql`make_interval(secs => ${windowSeconds}::int)`;
  const rows = await db.query<{ hits: number; resets_in: number }>(sql`
    INSERT INTO ${table} AS r (user_id, action, window_start, hits)
    VALUES (${userId}::uuid, ${action}, now(), 1)
    ON CONFLICT (user_id, action) DO UPDATE SET
      window_start = CASE WHEN r.window_start <= now() - ${window} THEN now() ELSE r.window_start END,
      hits = CASE WHEN r.window_start <= now() - ${window} THEN 1 ELSE r.hits + 1 END
    RETURNING hits,
      LEAST(${windowSeconds}::int, GREATEST(1, CEIL(EXTRACT(EPOCH FROM (window_start + ${window} - now())))))::int
        AS resets_in`);
  const row = rows[0];
  if (!row) throw new Error("rate limit upsert returned no row");
  return { hits: row.hits, resetsInSeconds: row.resets_in };
}

/** Counters untouched for this long are pruned (must exceed the longest window, RATE_LIMIT_WINDOW_SECONDS). */
export const RATE_LIMIT_PRUNE_AFTER_SECONDS = 3600;

/**
 * Deletes up to `batch` counters whose window started more than `olderThanSeconds` ago
 * (an expired counter means the same as a missing one: the next attempt starts afresh).
 * Rows a concurrent count holds are skipped, not waited for. Returns how many went.
 */
export async function pruneRateLimits(
  db: Database,
  options: { olderThanSeconds: number; batch?: number },
): Promise<number> {
  const table = raw('"rate_limits"');
  const cutoff = sql`now() - make_interval(secs => ${options.olderThanSeconds}::int)`;
  return db.execute(sql`
    DELETE FROM ${table}
    WHERE (user_id, action) IN (
      SELECT user_id, action FROM ${table}
      WHERE window_start < ${cutoff}
      ORDER BY window_start
      LIMIT ${options.batch ?? 1000}::int
      FOR UPDATE SKIP LOCKED)
    AND window_start < ${cutoff}`);
}
