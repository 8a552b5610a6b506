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

/** A booking event: the booking and enough of its session to act on. */
export function bookingEvent(
  type: Extract<TaskType, `booking.${string}`>,
  booking: BookingFacts,
  session: Pick<LockedSession, "id" | "hostId" | "title" | "startsAt">,
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
      session: {
        id: session.id,
        hostId: session.hostId,
        title: session.title,
        startsAt: session.startsAt.toISOString(),
      },
      ...extra,
    },
  };
}

/** The host cancelled a session: one event for it, besides one per cancelled booking. */
export function sessionCancelledEvent(
  session: Pick<LockedSession, "id" | "hostId" | "title" | "startsAt" | "status">,
  cancelledBookings: number,
): TaskEvent {
  return {
    type: "session.cancelled",
    data: {
      session: {
        id: session.id,
        hostId: session.hostId,
        title: session.title,
        startsAt: session.startsAt.toISOString(),
        status: session.status,
      },
      cancelledBookings,
    },
  };
}
