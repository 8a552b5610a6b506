import type { ProtectedContext } from "../../context.js";
import { bookingEvent } from "../../domain/booking-events.js";
import { commitChange } from "../../domain/change.js";
import { toSessionDto } from "../../domain/dto.js";
import { assertHost, sessionNotFound } from "../../domain/guards.js";
import { lockSession, updateLockedSession } from "../../domain/session-lock.js";
import type { CancelSessionInput } from "./cancel.schema.js";

/** Cancels the session and every active booking in it; each booking's owner is notified. Idempotent. */
export async function cancelSessionHandler({ ctx, input }: { ctx: ProtectedContext; input: CancelSessionInput }) {
  return commitChange(ctx, async (tx) => {
    const session = await lockSession(tx, input.id);
    if (!session) throw sessionNotFound();
    assertHost(session, ctx.user.id);
    if (session.status === "cancelled") {
      return { result: toSessionDto(session, true), events: [] };
    }
    const cancelled = await tx.booking.updateManyAndReturn({
      where: { sessionId: input.id, status: { in: ["confirmed", "waitlisted"] } },
      data: { status: "cancelled" },
    });
    const row = await updateLockedSession(tx, session, { status: "cancelled", confirmedCount: 0, waitlistCount: 0 });
    const events = [
      {
        type: "session.cancelled" as const,
        data: {
          session: {
            id: row.id,
            hostId: row.hostId,
            title: row.title,
            startsAt: row.startsAt.toISOString(),
            status: row.status,
          },
          cancelledBookings: cancelled.length,
        },
      },
      ...cancelled
        .sort((a, b) => a.seq - b.seq)
        .map((booking) => bookingEvent("booking.cancelled", booking, session, { reason: "session_cancelled" })),
    ];
    return { result: toSessionDto(row, true), events };
  });
}
