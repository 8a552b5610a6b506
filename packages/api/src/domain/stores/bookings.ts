import { randomUUID } from "node:crypto";
import { join, type Queryable, raw, type Sql, sql } from "@s3ssions/db";
import { insertTasks, type TaskEvent, taskIdsOf } from "../../tasks/outbox.js";
import type { Cursor } from "../rules/cursor.js";
import type { BookingDto } from "../schemas/dto.js";
import { type CounterMove, countersMoved, type LockedSession, withCountersMoved } from "./sessions.js";

/** A booking as stored: the DTO's fields and its arrival order. */
export type BookingRow = BookingDto & { seq: number };

/** A booking that holds a seat or waits for one. */
export type ActiveBooking = BookingDto & { status: "confirmed" | "waitlisted" };

/** The columns of a booking row, as every statement here returns them. */
const BOOKING_COLUMNS = raw(
  `id::text AS "id", seq, session_id::text AS "sessionId", user_id::text AS "userId", status::text AS "status", created_at AS "createdAt", updated_at AS "updatedAt"`,
);

/** Rows of an `UPDATE … RETURNING` (which has no order) in arrival order. */
const inArrivalOrder = (rows: BookingRow[]) => rows.sort((a, b) => a.seq - b.seq);

/** What the API says about a booking: the row without its arrival order. */
export function toBookingDto(row: BookingDto): BookingDto {
  return {
    id: row.id,
    sessionId: row.sessionId,
    userId: row.userId,
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export interface BookingPageQuery {
  userId: string;
  status?: BookingDto["status"] | undefined;
  /** The last booking of the page before (newest first): only older ones follow. */
  before: Cursor | null;
  take: number;
}

/** A user's bookings, newest first, keyset-paginated on (created_at, id): the index on (user_id, created_at, id). */
export function selectBookingPage(db: Queryable, query: BookingPageQuery): Promise<BookingRow[]> {
  const conditions = [
    sql`user_id = ${query.userId}::uuid`,
    query.status ? sql`status = ${query.status}::"BookingStatus"` : null,
    query.before ? sql`(created_at, id) < (${query.before.at}, ${query.before.id}::uuid)` : null,
  ].filter((condition): condition is Sql => condition !== null);
  return db.query<BookingRow>(sql`
    SELECT ${BOOKING_COLUMNS}
    FROM bookings
    WHERE ${join(conditions, " AND ")}
    ORDER BY created_at DESC, id DESC
    LIMIT ${query.take}`);
}

/** A booking read inside a change (its session locked first). */
export async function findBooking(tx: Queryable, id: string): Promise<BookingRow | null> {
  const rows = await tx.query<BookingRow>(sql`SELECT ${BOOKING_COLUMNS} FROM bookings WHERE id = ${id}::uuid`);
  return rows[0] ?? null;
}

/** What an active booking takes in its session. */
const TAKEN: Record<ActiveBooking["status"], CounterMove> = {
  confirmed: { confirmedCount: 1 },
  waitlisted: { waitlistCount: 1 },
};

/** What taking an active booking out of its session moves. */
const FREED: Record<ActiveBooking["status"], CounterMove> = {
  confirmed: { confirmedCount: -1 },
  waitlisted: { waitlistCount: -1 },
};

/**
 * Cancels an active booking (read under its session's lock) and moves the session's
 * counter in one statement. Returns the booking and the session as they now are.
 */
export async function cancelBooking(
  tx: Queryable,
  booking: BookingRow,
  session: LockedSession,
): Promise<{ booking: BookingRow; session: LockedSession }> {
  if (booking.status === "cancelled") throw new Error(`booking ${booking.id} is cancelled already`);
  const at = new Date();
  const move = FREED[booking.status];
  const rows = await tx.query<BookingRow>(sql`
    WITH counted AS (${countersMoved(session.id, move, at)})
    UPDATE bookings SET status = 'cancelled', updated_at = ${at}
    WHERE id = ${booking.id}::uuid
    RETURNING ${BOOKING_COLUMNS}`);
  if (!rows[0]) throw new Error(`booking ${booking.id} not found`);
  return { booking: rows[0], session: withCountersMoved(session, move, at) };
}

/** Cancels every active booking of a session; returns them in arrival order. */
export async function cancelActiveBookings(tx: Queryable, sessionId: string): Promise<BookingRow[]> {
  const rows = await tx.query<BookingRow>(sql`
    UPDATE bookings SET status = 'cancelled', updated_at = ${new Date()}
    WHERE session_id = ${sessionId}::uuid AND status IN ('confirmed', 'waitlisted')
    RETURNING ${BOOKING_COLUMNS}`);
  return inArrivalOrder(rows);
}

/** What a promotion moves, once per promoted booking. */
const PROMOTED: CounterMove = { confirmedCount: 1, waitlistCount: -1 };

/**
 * Confirms up to `count` waitlisted bookings of a locked session, earliest first, and moves
 * its counters, in one statement. Returns them in arrival order, and the session as it now
 * is (untouched when none was waiting).
 */
export async function confirmWaitlisted(
  tx: Queryable,
  session: LockedSession,
  count: number,
): Promise<{ promoted: BookingRow[]; session: LockedSession }> {
  const at = new Date();
  const rows = await tx.query<BookingRow>(sql`
    WITH promoted AS (
      UPDATE bookings SET status = 'confirmed', updated_at = ${at}
      WHERE id IN (
        SELECT id FROM bookings
        WHERE session_id = ${session.id}::uuid AND status = 'waitlisted'
        ORDER BY seq LIMIT ${count}
      )
      RETURNING ${BOOKING_COLUMNS}
    ), counted AS (
      ${countersMoved(session.id, PROMOTED, at, {
        by: sql`(SELECT count(*)::int FROM promoted)`,
        when: sql`EXISTS (SELECT 1 FROM promoted)`,
      })}
    )
    SELECT * FROM promoted`);
  const promoted = inArrivalOrder(rows);
  return {
    promoted,
    session: promoted.length === 0 ? session : withCountersMoved(session, PROMOTED, at, promoted.length),
  };
}

/** A booking about to be written: its id and times are set here, before the insert. */
export function newBooking(sessionId: string, userId: string, status: ActiveBooking["status"]): ActiveBooking {
  const now = new Date();
  // Two Date objects: one shared object would make superjson mark them as one reference.
  return { id: randomUUID(), sessionId, userId, status, createdAt: now, updatedAt: new Date(now) };
}

/**
 * Inserts the booking, moves its session's counter and writes the tasks reporting it in
 * one statement: the booking's hot path holds the session's lock (taken before) for one
 * round trip instead of three. Returns the tasks' ids.
 */
export async function insertBooking(
  tx: Queryable,
  booking: ActiveBooking,
  events: readonly TaskEvent[],
): Promise<string[]> {
  const rows = await tx.query<{ taskId: string }>(sql`
    WITH inserted AS (
      INSERT INTO bookings (id, session_id, user_id, status, created_at, updated_at)
      VALUES (${booking.id}::uuid, ${booking.sessionId}::uuid, ${booking.userId}::uuid,
              ${booking.status}::"BookingStatus", ${booking.createdAt}, ${booking.updatedAt})
    ), counted AS (${countersMoved(booking.sessionId, TAKEN[booking.status], booking.createdAt)})
    ${insertTasks(events)}`);
  return taskIdsOf(rows);
}
