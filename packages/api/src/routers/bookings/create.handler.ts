import { randomUUID } from "node:crypto";
import { type Prisma, isUniqueViolation } from "@s3ssions/db";
import { TRPCError } from "@trpc/server";
import type { ProtectedContext } from "../../context.js";
import { bookingEvent } from "../../domain/booking-events.js";
import { commitChange } from "../../domain/change.js";
import { type BookingDto, toBookingDto } from "../../domain/dto.js";
import { assertNotAnonymous, assertNotStarted, assertScheduled, sessionNotFound } from "../../domain/guards.js";
import { type LockedSession, lockSessionForUser } from "../../domain/session-lock.js";
import { enforceRateLimit } from "../../rate-limit/index.js";
import type { CreateBookingInput } from "./create.schema.js";

/**
 * Inserts the booking, moves the session's counter and writes the outbox task in one
 * statement: the lock is held for one round trip instead of three.
 */
async function insertBooking(
  tx: Prisma.TransactionClient,
  session: LockedSession,
  userId: string,
  status: "confirmed" | "waitlisted",
): Promise<{ booking: BookingDto; taskId: string }> {
  const now = new Date();
  // Two Date objects: one shared object would make superjson mark them as one reference.
  const booking: BookingDto = {
    id: randomUUID(),
    sessionId: session.id,
    userId,
    status,
    createdAt: now,
    updatedAt: new Date(now),
  };
  const event = bookingEvent(`booking.${status}`, booking, session);
  const confirmed = status === "confirmed" ? 1 : 0;
  const rows = await tx.$queryRaw<{ taskId: string }[]>`
    WITH inserted AS (
      INSERT INTO bookings (id, session_id, user_id, status, created_at, updated_at)
      VALUES (${booking.id}::uuid, ${session.id}::uuid, ${userId}::uuid, ${status}::"BookingStatus", ${now}, ${now})
    ), counted AS (
      UPDATE sessions
      SET confirmed_count = confirmed_count + ${confirmed}::int,
          waitlist_count = waitlist_count + ${1 - confirmed}::int,
          updated_at = ${now}
      WHERE id = ${session.id}::uuid
    )
    INSERT INTO tasks (id, kind, payload, updated_at)
    VALUES (gen_random_uuid(), ${event.type}, ${JSON.stringify(event.data)}::jsonb, ${now})
    RETURNING id::text AS "taskId"`;
  const taskId = rows[0]?.taskId;
  if (!taskId) throw new Error("booking insert returned no task");
  return { booking, taskId };
}

/**
 * Books a seat: confirmed while seats are left, waitlisted after. Under the session's
 * lock, so capacity holds however many instances book at once; booking twice returns
 * the booking the user already holds. Every call counts against the user's rate limit,
 * a repeat that returns the held booking too: it is a write attempt all the same.
 */
export async function createBookingHandler({ ctx, input }: { ctx: ProtectedContext; input: CreateBookingInput }) {
  if (!ctx.env.ALLOW_ANONYMOUS_BOOKINGS) assertNotAnonymous(ctx.user, "book seats");
  await enforceRateLimit(ctx, "bookings.create");
  const book = () =>
    commitChange(ctx, async (tx) => {
      const locked = await lockSessionForUser(tx, input.sessionId, ctx.user.id);
      if (!locked) throw sessionNotFound();
      const { session, active } = locked;
      if (active) return { result: toBookingDto(active), events: [] };
      assertScheduled(session);
      assertNotStarted(session);

      const status = session.confirmedCount < session.capacity ? "confirmed" : "waitlisted";
      const waitlistMax = ctx.env.WAITLIST_MAX ?? session.capacity;
      if (status === "waitlisted" && session.waitlistCount >= waitlistMax) {
        throw new TRPCError({ code: "CONFLICT", message: "The session is full and its waitlist is full" });
      }
      const { booking, taskId } = await insertBooking(tx, session, ctx.user.id, status);
      return { result: booking, events: [], enqueued: [taskId] };
    });
  try {
    return await book();
  } catch (error) {
    // The same user booking twice at once on two instances: the call that waited for the
    // lock read the user's bookings from before it, and the one-active-booking index
    // refused its insert. A second attempt starts after the winner's commit and returns
    // the booking it made.
    if (isUniqueViolation(error)) return book();
    throw error;
  }
}
