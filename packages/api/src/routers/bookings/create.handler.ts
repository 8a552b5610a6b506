import type { Prisma } from "@s3ssions/db";
import { TRPCError } from "@trpc/server";
import type { ProtectedContext } from "../../context.js";
import { bookingEvent } from "../../domain/booking-events.js";
import { commitChange } from "../../domain/change.js";
import { type BookingDto, toBookingDto } from "../../domain/dto.js";
import { assertScheduled, sessionNotFound } from "../../domain/guards.js";
import { lockSessionForUser } from "../../domain/session-lock.js";
import { enforceRateLimit } from "../../rate-limit/index.js";
import type { CreateBookingInput } from "./create.schema.js";

/** Inserts the booking and moves the session's counter in one statement (one round trip under the lock). */
async function insertBooking(
  tx: Prisma.TransactionClient,
  sessionId: string,
  userId: string,
  status: "confirmed" | "waitlisted",
): Promise<BookingDto> {
  const confirmed = status === "confirmed" ? 1 : 0;
  const rows = await tx.$queryRaw<BookingDto[]>`
    WITH inserted AS (
      INSERT INTO bookings (id, session_id, user_id, status, created_at, updated_at)
      VALUES (gen_random_uuid(), ${sessionId}::uuid, ${userId}::uuid, ${status}::"BookingStatus", now(), now())
      RETURNING id::text AS "id", session_id::text AS "sessionId", user_id::text AS "userId",
                status::text AS "status", created_at AS "createdAt", updated_at AS "updatedAt"
    ), counted AS (
      UPDATE sessions
      SET confirmed_count = confirmed_count + ${confirmed}::int,
          waitlist_count = waitlist_count + ${1 - confirmed}::int,
          updated_at = now()
      WHERE id = ${sessionId}::uuid
    )
    SELECT * FROM inserted`;
  const booking = rows[0];
  if (!booking) throw new Error("booking insert returned no row");
  return booking;
}

/**
 * Books a seat: confirmed while seats are left, waitlisted after. Under the session's
 * lock, so capacity holds however many instances book at once; booking twice returns
 * the booking the user already holds. Every call counts against the user's rate limit,
 * a repeat that returns the held booking too: it is a write attempt all the same.
 */
export async function createBookingHandler({ ctx, input }: { ctx: ProtectedContext; input: CreateBookingInput }) {
  await enforceRateLimit(ctx, "bookings.create");
  return commitChange(ctx, async (tx) => {
    const locked = await lockSessionForUser(tx, input.sessionId, ctx.user.id);
    if (!locked) throw sessionNotFound();
    const { session, active } = locked;
    if (active) return { result: toBookingDto(active), events: [] };
    assertScheduled(session);
    if (session.startsAt.getTime() <= Date.now()) {
      throw new TRPCError({ code: "PRECONDITION_FAILED", message: "The session has already started" });
    }

    const status = session.confirmedCount < session.capacity ? "confirmed" : "waitlisted";
    const booking = await insertBooking(tx, session.id, ctx.user.id, status);
    return { result: toBookingDto(booking), events: [bookingEvent(`booking.${status}`, booking, session)] };
  });
}
