import type { Prisma } from "@s3ssions/db";
import type { TaskType } from "../tasks/outbox.js";
import type { LockedSession } from "./session-lock.js";

interface BookingFacts {
  id: string;
  sessionId: string;
  userId: string;
  status: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The webhook `data` of a booking event: the booking and enough of its session to act on. */
export function bookingEvent(
  type: TaskType,
  booking: BookingFacts,
  session: Pick<LockedSession, "id" | "hostId" | "title" | "startsAt">,
  extra: Prisma.InputJsonObject = {},
): { type: TaskType; data: Prisma.InputJsonObject } {
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
