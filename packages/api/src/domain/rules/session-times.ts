import { TRPCError } from "@trpc/server";

// The rules of a session's times, each in one place: every mutation asks here. A new
// session starts in the future (create, and update when it moves the start); once a
// session has started, nothing changes it or its bookings (update, cancel, bookings.create,
// bookings.cancel): no write reaches into the past, nobody is notified of it.
// packages/api/test/routers/time-rules.test.ts holds a row per mutation.

export const ENDS_AFTER_START = "endsAt must be after startsAt";
export const STARTS_IN_FUTURE = "startsAt must be in the future";
export const ALREADY_STARTED = "The session has already started";

/** A session ends after it starts. */
export function endsAfterStart(times: { startsAt: Date; endsAt: Date }): boolean {
  return times.endsAt > times.startsAt;
}

/** A start set by a host (on create, or moved by an update) lies in the future. */
export function startsInFuture(startsAt: Date, now = Date.now()): boolean {
  return startsAt.getTime() > now;
}

/** Both rules as the caller's error: `startsAt` is checked only when this call sets it. */
export function assertSessionTimes(times: { startsAt: Date; endsAt: Date }, startsAtSet: boolean): void {
  if (startsAtSet && !startsInFuture(times.startsAt)) {
    throw new TRPCError({ code: "BAD_REQUEST", message: STARTS_IN_FUTURE });
  }
  if (!endsAfterStart(times)) throw new TRPCError({ code: "BAD_REQUEST", message: ENDS_AFTER_START });
}

/** Sessions and their bookings freeze at the start. */
export function assertNotStarted(session: { startsAt: Date }, now = Date.now()): void {
  if (!startsInFuture(session.startsAt, now)) {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: ALREADY_STARTED });
  }
}
