import type { Queryable } from "@s3ssions/db";
import type { TaskEvent } from "../../tasks/outbox.js";
import { freeSeats } from "../rules/seats.js";
import { confirmWaitlisted } from "../stores/bookings.js";
import type { LockedSession } from "../stores/sessions.js";
import { bookingEvent } from "./events.js";

/**
 * Confirms waitlisted bookings, earliest first, while the session has free seats.
 * Must run under the session's lock (see lockSession). Returns the session as it now is
 * and the promotion events.
 */
export async function promoteWaitlisted(
  tx: Queryable,
  session: LockedSession,
): Promise<{ session: LockedSession; events: TaskEvent[] }> {
  const free = freeSeats(session);
  if (free <= 0 || session.waitlistCount === 0) return { session, events: [] };
  const { promoted, session: after } = await confirmWaitlisted(tx, session, free);
  const events = promoted.map((booking) =>
    bookingEvent("booking.promoted", booking, after, { previousStatus: "waitlisted" }),
  );
  return { session: after, events };
}
