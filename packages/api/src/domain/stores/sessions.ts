import { randomUUID } from "node:crypto";
import { type Database, join, type Queryable, raw, type Sql, sql } from "@s3ssions/db";
import type { SessionRow } from "../schemas/dto.js";
import type { ActiveBooking } from "./bookings.js";
import { sessionColumnName, sessionColumns } from "./session-row.js";

/** A session row read under its lock: changed only through `updateLockedSession`, or a booking write's `countersMoved`. */
export type LockedSession = Readonly<SessionRow>;

/**
 * Locks a session's row for the rest of the transaction. Every change to a session's
 * bookings takes this lock first, so they run one at a time per session: the counters
 * stay exact and capacity holds under any concurrency. A row lock lives inside the
 * transaction, so it is safe behind a transaction-mode pooler (an advisory lock is not).
 */
export async function lockSession(tx: Queryable, id: string): Promise<LockedSession | null> {
  const rows = await tx.query<SessionRow>(
    sql`SELECT ${sessionColumns()} FROM sessions WHERE id = ${id}::uuid FOR UPDATE`,
  );
  return rows[0] ?? null;
}

/** One session by its id, or null: a read on its own, no lock. */
export async function selectSession(db: Queryable, id: string): Promise<SessionRow | null> {
  const rows = await db.query<SessionRow>(sql`SELECT ${sessionColumns()} FROM sessions WHERE id = ${id}::uuid`);
  return rows[0] ?? null;
}

type Counter = "confirmedCount" | "waitlistCount";

/**
 * What a change writes to a locked session: fields set to a value (undefined: left as is).
 * Counters move with the booking write that moves them, in its own statement (`countersMoved`).
 */
export interface SessionChange {
  set?: Partial<Omit<SessionRow, "id" | "hostId" | "createdAt" | "updatedAt">>;
}

/** The one way a locked session's fields are set: the write, and the row as it now is (`updatedAt` is now). */
export async function updateLockedSession(
  tx: Queryable,
  session: LockedSession,
  change: SessionChange,
): Promise<LockedSession> {
  const assignments: Sql[] = [];
  for (const [field, value] of Object.entries(change.set ?? {})) {
    if (value === undefined) continue;
    const column = raw(sessionColumnName(field));
    assignments.push(field === "status" ? sql`${column} = ${value}::"SessionStatus"` : sql`${column} = ${value}`);
  }
  assignments.push(sql`updated_at = ${new Date()}`);
  const rows = await tx.query<SessionRow>(sql`
    UPDATE sessions SET ${join(assignments, ", ")}
    WHERE id = ${session.id}::uuid
    RETURNING ${sessionColumns()}`);
  const row = rows[0];
  // The row is locked by this transaction: it cannot have gone.
  if (!row) throw new Error(`locked session ${session.id} not found`);
  return row;
}

/**
 * The session a booking is in, locked, and who holds the booking, in one round trip: a
 * cancel's first statement. Only the booking's session and user are read with the lock:
 * they never change, where its status can change while this waits for the lock (the
 * booking's other fields are read after it, see findBooking).
 */
export async function lockSessionOfBooking(
  tx: Queryable,
  bookingId: string,
): Promise<{ session: LockedSession; ownerId: string } | null> {
  const rows = await tx.query<SessionRow & { bookingUserId: string }>(sql`
    SELECT ${sessionColumns("s")}, b.user_id::text AS "bookingUserId"
    FROM bookings b
    JOIN sessions s ON s.id = b.session_id
    WHERE b.id = ${bookingId}::uuid
    FOR UPDATE OF s`);
  const row = rows[0];
  if (!row) return null;
  const { bookingUserId, ...session } = row;
  return { session, ownerId: bookingUserId };
}

/**
 * A locked session's counters moved by a booking write's own statement (a CTE beside
 * it; see `countersMoved`): the hot paths hold the lock for one round trip instead of two.
 */
export type CounterMove = Partial<Record<Counter, number>>;

/**
 * The `UPDATE` that moves a locked session's counters, for a booking write's CTE. `by`
 * scales the move by a count the statement knows (a promotion's rows); `when`, a condition
 * that must hold for the session to be touched at all.
 */
export function countersMoved(
  sessionId: string,
  move: CounterMove,
  at: Date,
  options: { by?: Sql; when?: Sql } = {},
): Sql {
  const by = options.by ?? sql`1`;
  return sql`
    UPDATE sessions
    SET confirmed_count = confirmed_count + ${move.confirmedCount ?? 0}::int * ${by},
        waitlist_count = waitlist_count + ${move.waitlistCount ?? 0}::int * ${by},
        updated_at = ${at}
    WHERE id = ${sessionId}::uuid${options.when ? sql` AND ${options.when}` : raw("")}`;
}

/** The locked session as `countersMoved` left it (`times` moves, at `at`). */
export function withCountersMoved(session: LockedSession, move: CounterMove, at: Date, times = 1): LockedSession {
  return {
    ...session,
    confirmedCount: session.confirmedCount + (move.confirmedCount ?? 0) * times,
    waitlistCount: session.waitlistCount + (move.waitlistCount ?? 0) * times,
    updatedAt: at,
  };
}

/**
 * `lockSession` and the user's active booking in that session, in one round trip: the
 * hot path of a booking holds the lock for as few round trips as possible.
 */
export async function lockSessionForUser(
  tx: Queryable,
  id: string,
  userId: string,
): Promise<{ session: LockedSession; active: ActiveBooking | null } | null> {
  const rows = await tx.query<SessionRow & Record<`booking${string}`, unknown>>(sql`
    SELECT ${sessionColumns("s")},
           b.id::text AS "bookingId", b.status::text AS "bookingStatus",
           b.created_at AS "bookingCreatedAt", b.updated_at AS "bookingUpdatedAt"
    FROM sessions s
    LEFT JOIN bookings b ON b.session_id = s.id AND b.user_id = ${userId}::uuid AND b.status <> 'cancelled'
    WHERE s.id = ${id}::uuid
    FOR UPDATE OF s`);
  const row = rows[0];
  if (!row) return null;
  const { bookingId, bookingStatus, bookingCreatedAt, bookingUpdatedAt, ...session } = row;
  const active =
    typeof bookingId === "string"
      ? {
          id: bookingId,
          sessionId: session.id,
          userId,
          status: bookingStatus as ActiveBooking["status"],
          createdAt: bookingCreatedAt as Date,
          updatedAt: bookingUpdatedAt as Date,
        }
      : null;
  return { session, active };
}

export interface SessionPageQuery {
  from: Date;
  to?: Date;
  hostId?: string;
  includeCancelled?: boolean;
  after?: { at: Date; id: string } | null;
  /** Rows to read: a page and one more, to know whether another page follows. */
  take: number;
}

/**
 * Sessions in start order, keyset-paginated on (startsAt, id). The busiest read of the
 * API, so it is one hand-written statement on the pool (`db.query`): the row comparison
 * `(starts_at, id) > (…)` walks the (starts_at, id) index directly.
 */
export function selectSessionPage(db: Database, query: SessionPageQuery): Promise<SessionRow[]> {
  const conditions = [
    sql`starts_at >= ${query.from}`,
    query.to ? sql`starts_at < ${query.to}` : null,
    query.hostId ? sql`host_id = ${query.hostId}::uuid` : null,
    query.includeCancelled ? null : sql`status = 'scheduled'`,
    query.after ? sql`(starts_at, id) > (${query.after.at}, ${query.after.id}::uuid)` : null,
  ].filter((condition): condition is Sql => condition !== null);
  return db.query<SessionRow>(sql`
    SELECT ${sessionColumns()}
    FROM sessions
    WHERE ${join(conditions, " AND ")}
    ORDER BY starts_at, id
    LIMIT ${query.take}`);
}

/** What a host sets on a new session: the stored fields a create names (the rest take their defaults). */
export type NewSession = Pick<SessionRow, "hostId" | "title" | "startsAt" | "endsAt" | "timezone" | "capacity"> &
  Partial<Pick<SessionRow, "description" | "location" | "onlineUrl">>;

/** Inserts a session (scheduled, no bookings) in the change's transaction; the row as stored. */
export async function insertSession(tx: Queryable, session: NewSession): Promise<SessionRow> {
  const now = new Date();
  const rows = await tx.query<SessionRow>(sql`
    INSERT INTO sessions (id, host_id, title, description, starts_at, ends_at, timezone, location, online_url,
                          capacity, created_at, updated_at)
    VALUES (${randomUUID()}::uuid, ${session.hostId}::uuid, ${session.title}, ${session.description ?? null},
            ${session.startsAt}, ${session.endsAt}, ${session.timezone}, ${session.location ?? null},
            ${session.onlineUrl ?? null}, ${session.capacity}::int, ${now}, ${now})
    RETURNING ${sessionColumns()}`);
  const row = rows[0];
  if (!row) throw new Error("INSERT … RETURNING returned no session");
  return row;
}
