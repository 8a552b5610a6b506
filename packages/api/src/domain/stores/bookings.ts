import { randomUUID } from "node:crypto";
import { join, type Queryable, raw, type Sql, sql } from "@s3ssions/db";
import { insertTasks, type TaskEvent, taskIdsOf } from "../../tasks/outbox.js";
import type { Cursor } from "../rules/cursor.js";
import type { BookingDto } from "../schemas/dto.js";

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

/**
 * Who holds a booking and in which session, read unlocked: a change locks that session
 * first (sessions before bookings, always) and refuses a stranger before taking any lock.
 */
export async function findBookingOwner(
  tx: Queryable,
  id: string,
): Promise<{ sessionId: string; userId: string } | null> {
  const rows = await tx.query<{ sessionId: string; userId: string }>(
    sql`SELECT session_id::text AS "sessionId", user_id::text AS "userId" FROM bookings WHERE id = ${id}::uuid`,
  );
  return rows[0] ?? null;
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

/** Sets a booking's status; returns the row as it now is. */
export async function setBookingStatus(tx: Queryable, id: string, status: BookingDto["status"]): Promise<BookingRow> {
  const rows = await tx.query<BookingRow>(sql`
    UPDATE bookings SET status = ${status}::"BookingStatus", updated_at = ${new Date()}
    WHERE id = ${id}::uuid
    RETURNING ${BOOKING_COLUMNS}`);
  if (!rows[0]) throw new Error(`booking ${id} not found`);
  return rows[0];
}

/** Cancels every active booking of a session; returns them in arrival order. */
export async function cancelActiveBookings(tx: Queryable, sessionId: string): Promise<BookingRow[]> {
  const rows = await tx.query<BookingRow>(sql`
    UPDATE bookings SET status = 'cancelled', updated_at = ${new Date()}
    WHERE session_id = ${sessionId}::uuid AND status IN ('confirmed', 'waitlisted')
    RETURNING ${BOOKING_COLUMNS}`);
  return inArrivalOrder(rows);
}

/**
 * Confirms up to `count` waitlisted bookings of a session, earliest first, in one
 * statement; returns them in arrival order. Runs under the session's lock.
 */
export async function confirmWaitlisted(tx: Queryable, sessionId: string, count: number): Promise<BookingRow[]> {
  const rows = await tx.query<BookingRow>(sql`
    UPDATE bookings SET status = 'confirmed', updated_at = ${new Date()}
    WHERE id IN (
      SELECT id FROM bookings
      WHERE session_id = ${sessionId}::uuid AND status = 'waitlisted'
      ORDER BY seq LIMIT ${count}
    )
    RETURNING ${BOOKING_COLUMNS}`);
  return inArrivalOrder(rows);
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
  const confirmed = booking.status === "confirmed" ? 1 : 0;
  const rows = await tx.query<{ taskId: string }>(sql`
    WITH inserted AS (
      INSERT INTO bookings (id, session_id, user_id, status, created_at, updated_at)
      VALUES (${booking.id}::uuid, ${booking.sessionId}::uuid, ${booking.userId}::uuid,
              ${booking.status}::"BookingStatus", ${booking.createdAt}, ${booking.updatedAt})
    ), counted AS (
      UPDATE sessions
      SET confirmed_count = confirmed_count + ${confirmed}::int,
          waitlist_count = waitlist_count + ${1 - confirmed}::int,
          updated_at = ${booking.createdAt}
      WHERE id = ${booking.sessionId}::uuid
    )
    ${insertTasks(events)}`);
  return taskIdsOf(rows);
}
