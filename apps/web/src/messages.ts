import type { S3ssionsErrorCode, SessionDto } from "@s3ssions/client";

/** What to tell a person when a booking fails, by the SDK's error code. */
export function bookingFailure(code: S3ssionsErrorCode | null): string {
  switch (code) {
    case "UNAUTHORIZED":
      return "Sign in to book.";
    case "PRECONDITION_FAILED":
      return "This session has started or was cancelled.";
    case "NOT_FOUND":
      return "This session no longer exists.";
    case "TOO_MANY_REQUESTS":
      return "Too many attempts: wait a moment and try again.";
    case "TIMEOUT":
      return "The API did not answer in time. Try again.";
    case null:
      return "Could not reach the API.";
    default:
      return `Booking failed (${code}).`;
  }
}

/** "Tue, 2 Dec, 18:00–19:00 (Europe/Berlin)", in the session's own time zone. */
export function when(session: Pick<SessionDto, "startsAt" | "endsAt" | "timezone">): string {
  const day = new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: session.timezone,
  }).format(session.startsAt);
  const end = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: session.timezone,
  }).format(session.endsAt);
  return `${day}–${end} (${session.timezone})`;
}

export function seats(session: Pick<SessionDto, "seatsLeft" | "waitlistCount" | "status">): string {
  if (session.status === "cancelled") return "Cancelled";
  if (session.seatsLeft > 0) return `${session.seatsLeft} ${session.seatsLeft === 1 ? "seat" : "seats"} left`;
  return `Full · ${session.waitlistCount} on the waitlist`;
}
