import { randomUUID } from "node:crypto";
import type { Prisma } from "@s3ssions/db";
import { insertTasks, type TaskEvent, taskIdsOf } from "../../tasks/outbox.js";
import type { BookingDto } from "../schemas/dto.js";

type NewBooking = BookingDto & { status: "confirmed" | "waitlisted" };

/** A booking about to be written: its id and times are set here, before the insert. */
export function newBooking(sessionId: string, userId: string, status: NewBooking["status"]): NewBooking {
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
  tx: Prisma.TransactionClient,
  booking: NewBooking,
  events: readonly TaskEvent[],
): Promise<string[]> {
  const confirmed = booking.status === "confirmed" ? 1 : 0;
  const rows = await tx.$queryRaw<{ taskId: string }[]>`
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
    ${insertTasks(events)}`;
  return taskIdsOf(rows);
}
