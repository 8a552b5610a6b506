import { isUniqueViolation } from "@s3ssions/db";
import type { ProtectedContext } from "../../context.js";
import { commitChange } from "../../domain/changes/commit-change.js";
import { bookingEvent } from "../../domain/changes/events.js";
import { assertNotAnonymous, assertScheduled, sessionNotFound } from "../../domain/rules/guards.js";
import { assertNotStarted } from "../../domain/rules/session-times.js";
import { newBookingStatus } from "../../domain/rules/seats.js";
import { insertBooking, newBooking, toBookingDto } from "../../domain/stores/bookings.js";
import { lockSessionForUser } from "../../domain/stores/sessions.js";
import { enforceRateLimit } from "../../rate-limit/index.js";
import type { CreateBookingInput } from "./create.schema.js";

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
      if (active) return { result: toBookingDto(active), taskIds: [] };
      assertScheduled(session);
      assertNotStarted(session);
      const booking = newBooking(session.id, ctx.user.id, newBookingStatus(session, ctx.env.WAITLIST_MAX));
      const taskIds = await insertBooking(tx, booking, [bookingEvent(`booking.${booking.status}`, booking, session)]);
      return { result: booking, taskIds, seatsChanged: session.id };
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
