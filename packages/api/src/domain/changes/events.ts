import type { Prisma } from "@s3ssions/db";
import type { TaskEvent, TaskType } from "../../tasks/outbox.js";
import type { LockedSession } from "../stores/sessions.js";

// The webhook `data` of every event a change reports, each shape in one place.

interface BookingFacts {
  id: string;
  sessionId: string;
  userId: string;
  status: string;
  createdAt: Date;
  updatedAt: Date;
}

type SessionFacts = Pick<LockedSession, "id" | "hostId" | "title" | "startsAt">;

/** Enough of a session for a receiver to act on, in every event that names one. */
function sessionFacts(session: SessionFacts) {
  return { id: session.id, hostId: session.hostId, title: session.title, startsAt: session.startsAt.toISOString() };
}

/** A booking event: the booking and enough of its session to act on. */
export function bookingEvent(
  type: Extract<TaskType, `booking.${string}`>,
  booking: BookingFacts,
  session: SessionFacts,
  extra: Prisma.InputJsonObject = {},
): TaskEvent {
  return {
    type,
    data: {
      booking: {
        id: booking.id,
        sessionId: booking.sessionId,
        userId: booking.userId,
        status: booking.status,
        createdAt: booking.createdAt.toISOString(),
        updatedAt: booking.updatedAt.toISOString(),
      },
      session: sessionFacts(session),
      ...extra,
    },
  };
}

/** The host cancelled a session: one event for it, besides one per cancelled booking. */
export function sessionCancelledEvent(
  session: SessionFacts & Pick<LockedSession, "status">,
  cancelledBookings: number,
): TaskEvent {
  return {
    type: "session.cancelled",
    data: {
      session: { ...sessionFacts(session), status: session.status },
      cancelledBookings,
    },
  };
}
