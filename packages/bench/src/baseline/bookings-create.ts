/**
 * POST /api/trpc/bookings.create: the bearer check, then one transaction with the statements
 * ours sends (lock the session joined with the user's active booking; insert the booking and
 * move the counter; insert the outbox task), and after the response the task's claim and
 * completion, as our outbox does with no WEBHOOK_URL.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { callerOf } from "./auth.js";
import { type BaselineRequest, type BaselineResponse, trpcError, trpcResult, UUID } from "./http.js";
import { BOOKING_COLUMNS, type BookingRow, bookingDto, type SessionRow } from "./rows.js";

const LEASE_MS = 60_000;

async function runTask(pool: pg.Pool, taskId: string): Promise<void> {
  const claimed = await pool.query<{ id: string; attempts: number }>(
    `UPDATE tasks SET status = 'running', attempts = attempts + 1,
            locked_until = now() + $2 * interval '1 millisecond', updated_at = now()
      WHERE id IN (SELECT id FROM tasks
                    WHERE ((status = 'pending' AND run_after <= now())
                        OR (status = 'running' AND (locked_until IS NULL OR locked_until < now())))
                      AND id = ANY($1::uuid[])
                    ORDER BY run_after, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, kind, payload, attempts, created_at, locked_until`,
    [[taskId], LEASE_MS],
  );
  for (const task of claimed.rows) {
    // No WEBHOOK_URL: the task completes without a delivery, as ours does.
    await pool.query(
      `UPDATE tasks SET status = 'done', completed_at = now(), locked_until = NULL, last_error = NULL, updated_at = now()
        WHERE id = $1::uuid AND status = 'running' AND attempts = $2`,
      [task.id, task.attempts],
    );
  }
}

/** `after` is handed the work that outlives the response (the outbox task). */
export async function createBooking(
  pool: pg.Pool,
  secret: Buffer,
  request: BaselineRequest,
  after: (work: Promise<unknown>) => void,
): Promise<BaselineResponse> {
  const path = "bookings.create";
  const user = callerOf(request, secret);
  if (!user) return trpcError(401, "UNAUTHORIZED", "Invalid access token", path);
  let sessionId: unknown;
  try {
    const body = JSON.parse(await request.body()) as { json?: { sessionId?: unknown } };
    sessionId = body?.json?.sessionId;
  } catch {
    return trpcError(400, "PARSE_ERROR", "Invalid JSON", path);
  }
  if (typeof sessionId !== "string" || !UUID.test(sessionId)) {
    return trpcError(400, "BAD_REQUEST", "sessionId must be a UUID", path);
  }

  const client = await pool.connect();
  let outcome: { booking: BookingRow; taskId: string | null } | BaselineResponse;
  try {
    await client.query("BEGIN");
    try {
      outcome = await (async () => {
        const locked = await client.query<SessionRow & { b_id: string | null } & Record<string, unknown>>(
          `SELECT s.id, s.host_id, s.title, s.starts_at, s.capacity, s.status, s.confirmed_count, s.waitlist_count,
                  b.id AS b_id, b.status AS b_status, b.created_at AS b_created_at, b.updated_at AS b_updated_at
             FROM sessions s
             LEFT JOIN bookings b ON b.session_id = s.id AND b.user_id = $2::uuid AND b.status <> 'cancelled'
            WHERE s.id = $1::uuid
              FOR UPDATE OF s`,
          [sessionId, user.id],
        );
        const session = locked.rows[0];
        if (!session) return trpcError(404, "NOT_FOUND", "Session not found", path);
        if (session.b_id) {
          const existing: BookingRow = {
            id: session.b_id,
            session_id: session.id,
            user_id: user.id,
            status: String(session.b_status),
            created_at: session.b_created_at as Date,
            updated_at: session.b_updated_at as Date,
          };
          return { booking: existing, taskId: null };
        }
        if (session.status === "cancelled") {
          return trpcError(412, "PRECONDITION_FAILED", "The session is cancelled", path);
        }
        if (session.starts_at.getTime() <= Date.now()) {
          return trpcError(412, "PRECONDITION_FAILED", "The session has already started", path);
        }
        const status = session.confirmed_count < session.capacity ? "confirmed" : "waitlisted";
        const confirmed = status === "confirmed" ? 1 : 0;
        const inserted = await client.query<BookingRow>(
          `WITH inserted AS (
             INSERT INTO bookings (id, session_id, user_id, status, created_at, updated_at)
             VALUES ($1::uuid, $2::uuid, $3::uuid, $4::"BookingStatus", now(), now()) RETURNING ${BOOKING_COLUMNS}
           ), counted AS (
             UPDATE sessions SET confirmed_count = confirmed_count + $5::int, waitlist_count = waitlist_count + $6::int,
                    updated_at = now()
              WHERE id = $2::uuid
           )
           SELECT * FROM inserted`,
          [randomUUID(), session.id, user.id, status, confirmed, 1 - confirmed],
        );
        const booking = inserted.rows[0] as BookingRow;
        const payload = {
          booking: {
            id: booking.id,
            sessionId: booking.session_id,
            userId: booking.user_id,
            status: booking.status,
            createdAt: booking.created_at.toISOString(),
            updatedAt: booking.updated_at.toISOString(),
          },
          session: {
            id: session.id,
            hostId: session.host_id,
            title: session.title,
            startsAt: session.starts_at.toISOString(),
          },
        };
        const task = await client.query<{ id: string }>(
          "INSERT INTO tasks (id, kind, payload, updated_at) VALUES ($1::uuid, $2, $3::jsonb, now()) RETURNING id",
          [randomUUID(), `booking.${status}`, JSON.stringify(payload)],
        );
        return { booking, taskId: task.rows[0]?.id ?? null };
      })();
      await client.query("status" in outcome ? "ROLLBACK" : "COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
    client.release();
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  if ("status" in outcome) return outcome;
  if (outcome.taskId) after(runTask(pool, outcome.taskId));
  return trpcResult(bookingDto(outcome.booking), ["createdAt", "updatedAt"]);
}
