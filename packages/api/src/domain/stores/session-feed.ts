import { type Queryable, sql } from "@s3ssions/db";
import type { SessionRow } from "../schemas/dto.js";

// The live-seat change feed (tables session_feed and session_feed_head, see the migration
// 20261204100000_session_feed): written by the database at the COMMIT of every change to a
// session's seats or status (the trigger of 20261204120000_session_feed_at_commit), read
// by the live room (packages/api/src/live). Nothing here loads tRPC: the instance's reader
// is part of the runtime every entry loads.

/** What the feed records of a session: its seats and status, public fields only. */
export type SessionSeats = Pick<
  SessionRow,
  "id" | "capacity" | "confirmedCount" | "waitlistCount" | "status" | "updatedAt"
>;

/** One committed change: its feed position (the SSE event id) and the session as it became. */
export interface FeedEntry {
  position: bigint;
  session: SessionSeats;
}

type FeedRow = SessionSeats & { position: string };

const toFeedEntry = ({ position, ...session }: FeedRow): FeedEntry => ({ position: BigInt(position), session });

const FEED_COLUMNS = sql`f.position::text AS "position", f.session_id::text AS "id", f.capacity,
  f.confirmed_count AS "confirmedCount", f.waitlist_count AS "waitlistCount", f.status::text AS "status",
  f.updated_at AS "updatedAt"`;

/** Entries after `position`, in order, at most `limit`: the instance reader's one statement. */
export async function readFeedAfter(db: Queryable, position: bigint, limit: number): Promise<FeedEntry[]> {
  const rows = await db.query<FeedRow>(sql`
    SELECT ${FEED_COLUMNS} FROM session_feed f
    WHERE f.position > ${position.toString()}::bigint
    ORDER BY f.position
    LIMIT ${limit}`);
  return rows.map(toFeedEntry);
}

/** The sessions' current state and the feed position it reflects, read in one snapshot. */
export async function readCurrentSeats(
  db: Queryable,
  ids: readonly string[],
): Promise<{ head: bigint; sessions: SessionSeats[] }> {
  // One statement, one snapshot: the counter and the sessions it saw committed agree,
  // because each change moves both in one transaction.
  const rows = await db.query<{ head: string } & Partial<SessionSeats>>(sql`
    SELECT h.position::text AS "head", s.id::text AS "id", s.capacity, s.confirmed_count AS "confirmedCount",
           s.waitlist_count AS "waitlistCount", s.status::text AS "status", s.updated_at AS "updatedAt"
    FROM session_feed_head h
    LEFT JOIN sessions s ON s.id = ANY(${ids as string[]}::uuid[])
    WHERE h.id = 1
    ORDER BY s.id`);
  const sessions = rows.flatMap(({ head: _, ...session }) => (session.id ? [session as SessionSeats] : []));
  return { head: BigInt(rows[0]?.head ?? "0"), sessions };
}

/**
 * What a subscriber missed after `after` for these sessions, up to the head, in one
 * snapshot; `null` when the feed cannot say (`after` was pruned, or never issued).
 */
export async function readMissedChanges(
  db: Queryable,
  ids: readonly string[],
  after: bigint,
): Promise<{ head: bigint; entries: FeedEntry[] } | null> {
  const rows = await db.query<{ head: string; prunedThrough: string } & Partial<FeedRow>>(sql`
    SELECT h.position::text AS "head", h.pruned_through::text AS "prunedThrough", ${FEED_COLUMNS}
    FROM session_feed_head h
    LEFT JOIN session_feed f
      ON f.position > ${after.toString()}::bigint AND f.position <= h.position AND f.session_id = ANY(${ids as string[]}::uuid[])
    WHERE h.id = 1
    ORDER BY f.position`);
  const first = rows[0];
  if (!first) return null;
  const head = BigInt(first.head);
  if (after < BigInt(first.prunedThrough) || after > head) return null;
  const entries = rows.flatMap(({ head: _, prunedThrough: __, ...row }) =>
    row.position ? [toFeedEntry(row as FeedRow)] : [],
  );
  return { head, entries };
}

/** How long the feed keeps an entry: a resume from further back gets the current state again. */
export const SESSION_FEED_RETENTION_SECONDS = 24 * 60 * 60;

/**
 * Deletes the entries written more than `olderThanSeconds` ago (a prefix of the feed, by
 * position). Two statements, in this order: the head first says the prefix is gone (from
 * then on a resume from inside it gets the current state), then the rows go. The counter's
 * row is locked for the first, short statement only, never for the delete.
 */
export async function pruneSessionFeed(
  db: Queryable,
  { olderThanSeconds = SESSION_FEED_RETENTION_SECONDS }: { olderThanSeconds?: number } = {},
): Promise<number> {
  await db.execute(sql`
    UPDATE session_feed_head h SET pruned_through = cutoff.position
    FROM (
      SELECT max(position) AS position FROM session_feed
      WHERE written_at < clock_timestamp() - make_interval(secs => ${olderThanSeconds})
    ) cutoff
    WHERE h.id = 1 AND cutoff.position > h.pruned_through`);
  // Everything the head says is gone, a delete an earlier run did not finish included.
  return db.execute(sql`
    DELETE FROM session_feed WHERE position <= (SELECT pruned_through FROM session_feed_head WHERE id = 1)`);
}
