import type { ProtectedContext } from "../../context.js";
import { commitChange } from "../../domain/changes/commit-change.js";
import { bookingEvent, sessionCancelledEvent } from "../../domain/changes/events.js";
import { assertHost, sessionNotFound } from "../../domain/rules/guards.js";
import { assertNotStarted } from "../../domain/rules/session-times.js";
import { cancelActiveBookings } from "../../domain/stores/bookings.js";
import { toSessionDto } from "../../domain/stores/session-row.js";
import { lockSession, updateLockedSession } from "../../domain/stores/sessions.js";
import { enqueueTasks } from "../../tasks/outbox.js";
import type { CancelSessionInput } from "./cancel.schema.js";

/**
 * Cancels the session and every active booking in it; each booking's owner is notified.
 * Idempotent. A session that has started (or ended) is past cancelling: its attendance stands.
 */
export async function cancelSessionHandler({ ctx, input }: { ctx: ProtectedContext; input: CancelSessionInput }) {
  return commitChange(ctx, async (tx) => {
    const session = await lockSession(tx, input.id);
    if (!session) throw sessionNotFound();
    assertHost(session, ctx.user.id);
    if (session.status === "cancelled") {
      return { result: toSessionDto(session, true), taskIds: [] };
    }
    assertNotStarted(session);
    const cancelled = await cancelActiveBookings(tx, input.id);
    const row = await updateLockedSession(tx, session, {
      set: { status: "cancelled", confirmedCount: 0, waitlistCount: 0 },
    });
    const events = [
      sessionCancelledEvent(row, cancelled.length),
      ...cancelled.map((booking) =>
        bookingEvent("booking.cancelled", booking, session, { reason: "session_cancelled" }),
      ),
    ];
    return { result: toSessionDto(row, true), taskIds: await enqueueTasks(tx, events), seatsChanged: row.id };
  });
}
