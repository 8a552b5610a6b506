"use client";
import { useSuspenseQuery } from "@tanstack/react-query";
import { useTRPC } from "../s3ssions/browser";

/** The signed-in user's bookings: prefetched by the server with the user's token, kept fresh here. */
export function MyBookings() {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.bookings.mine.queryOptions({ limit: 20 }));
  return (
    <section aria-labelledby="mine-title">
      <h2 id="mine-title">My bookings</h2>
      <ul id="my-bookings">
        {data.items.map((booking) => (
          <li key={booking.id} data-session-id={booking.sessionId} data-status={booking.status}>
            {booking.status} · booked {booking.createdAt.toISOString()}
          </li>
        ))}
      </ul>
      {/* The same list as JSON, from a route handler that calls the SDK with the session's token. */}
      <a href="/api/bookings">As JSON</a>
    </section>
  );
}
