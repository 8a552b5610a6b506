import { TRPCError } from "@trpc/server";
import type { SessionRow } from "../schemas/dto.js";

// The rules of a session's seats, each in one place: the DTO's seatsLeft, a booking's
// status, the waitlist's bound, promotions and a capacity change all ask here.

type Seats = Pick<SessionRow, "status" | "capacity" | "confirmedCount">;

/** Seats still free for a confirmed booking: none once the session is cancelled. */
export function freeSeats(session: Seats): number {
  return session.status === "cancelled" ? 0 : Math.max(0, session.capacity - session.confirmedCount);
}

/**
 * What a new booking becomes: confirmed while seats are free, waitlisted after, refused
 * once the waitlist holds `waitlistMax` bookings (default: as many as the session seats).
 */
export function newBookingStatus(
  session: Seats & Pick<SessionRow, "waitlistCount">,
  waitlistMax: number = session.capacity,
): "confirmed" | "waitlisted" {
  if (freeSeats(session) > 0) return "confirmed";
  if (session.waitlistCount >= waitlistMax) {
    throw new TRPCError({ code: "CONFLICT", message: "The session is full and its waitlist is full" });
  }
  return "waitlisted";
}

/** A host may shrink a session, never below the bookings already confirmed. */
export function assertCapacityCoversConfirmed(capacity: number, session: Pick<SessionRow, "confirmedCount">): void {
  if (capacity < session.confirmedCount) {
    throw new TRPCError({
      code: "CONFLICT",
      message: `capacity cannot drop below the ${session.confirmedCount} confirmed bookings`,
    });
  }
}
