import { TRPCError } from "@trpc/server";
import type { ProtectedContext } from "../../context.js";
import { bookingEvent } from "../../domain/booking-events.js";
import { commitChange } from "../../domain/change.js";
import { toBookingDto } from "../../domain/dto.js";
import { assertScheduled, sessionNotFound } from "../../domain/guards.js";
import { lockSession } from "../../domain/session-lock.js";
import type { CreateBookingInput } from "./create.schema.js";

/**
 * Books a seat: confirmed while seats are left, waitlisted after. Under the session's
 * lock, so capacity holds however many instances book at once; booking twice returns
 * the booking the user already holds.
 */
export async function createBookingHandler({ ctx, input }: { ctx: ProtectedContext; input: CreateBookingInput }) {
  return commitChange(ctx, async (tx) => {
    const session = await lockSession(tx, input.sessionId);
    if (!session) throw sessionNotFound();
    const existing = await tx.booking.findFirst({
      where: { sessionId: session.id, userId: ctx.user.id, status: { in: ["confirmed", "waitlisted"] } },
    });
    if (existing) return { result: toBookingDto(existing), events: [] };
    assertScheduled(session);
    if (session.startsAt.getTime() <= Date.now()) {
      throw new TRPCError({ code: "PRECONDITION_FAILED", message: "The session has already started" });
    }

    const status = session.confirmedCount < session.capacity ? "confirmed" : "waitlisted";
    const booking = await tx.booking.create({ data: { sessionId: session.id, userId: ctx.user.id, status } });
    await tx.session.update({
      where: { id: session.id },
      data: status === "confirmed" ? { confirmedCount: { increment: 1 } } : { waitlistCount: { increment: 1 } },
    });
    return { result: toBookingDto(booking), events: [bookingEvent(`booking.${status}`, booking, session)] };
  });
}
