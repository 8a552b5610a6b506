import type { Prisma } from "@s3ssions/db";
import type { TaskEvent } from "../../tasks/outbox.js";
import { freeSeats } from "../rules/seats.js";
import { type LockedSession, updateLockedSession } from "../stores/sessions.js";
import { bookingEvent } from "./events.js";

/**
 * Confirms waitlisted bookings, earliest first, while the session has free seats.
 * Must run under the session's lock (see lockSession). Returns the session as it now is
 * and the promotion events.
 */
export async function promoteWaitlisted(
  tx: Prisma.TransactionClient,
  session: LockedSession,
): Promise<{ session: LockedSession; events: TaskEvent[] }> {
  const free = freeSeats(session);
  if (free <= 0 || session.waitlistCount === 0) return { session, events: [] };
  const next = await tx.booking.findMany({
    where: { sessionId: session.id, status: "waitlisted" },
    orderBy: { seq: "asc" },
    take: free,
    select: { id: true },
  });
  if (next.length === 0) return { session, events: [] };
  const promoted = await tx.booking.updateManyAndReturn({
    where: { id: { in: next.map((b) => b.id) }, status: "waitlisted" },
    data: { status: "confirmed" },
  });
  const after = await updateLockedSession(tx, session, {
    confirmedCount: { increment: promoted.length },
    waitlistCount: { decrement: promoted.length },
  });
  const events = promoted
    .sort((a, b) => a.seq - b.seq)
    .map((booking) => bookingEvent("booking.promoted", booking, after, { previousStatus: "waitlisted" }));
  return { session: after, events };
}
