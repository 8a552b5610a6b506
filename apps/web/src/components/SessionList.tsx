"use client";
import { getErrorCode, getRequestId, type SessionDto, type SessionPage } from "@s3ssions/client";
import { type InfiniteData, useMutation, useQueryClient, useSuspenseInfiniteQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useTRPC } from "../s3ssions/browser";
import { LIST_INPUT, nextPage } from "../s3ssions/list";
import { bookingFailure, seats, when } from "../messages";

/** The list with one session's seats as a booking would leave them: confirmed while seats are left, else waitlisted. */
function withBooking<Cursor>(
  data: InfiniteData<SessionPage, Cursor> | undefined,
  sessionId: string,
): InfiniteData<SessionPage, Cursor> | undefined {
  if (!data) return data;
  const book = (session: SessionDto): SessionDto =>
    session.id !== sessionId
      ? session
      : session.seatsLeft > 0
        ? { ...session, seatsLeft: session.seatsLeft - 1, confirmedCount: session.confirmedCount + 1 }
        : { ...session, waitlistCount: session.waitlistCount + 1 };
  return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map(book) })) };
}

/** What one `sessions.live` event says about a session: its seats and status now. */
type LiveSeats = Pick<
  SessionDto,
  "id" | "seatsLeft" | "confirmedCount" | "waitlistCount" | "capacity" | "status" | "updatedAt"
>;

/** The list with one session's live seats in place; an event older than what the list holds changes nothing. */
function withSeats<Cursor>(
  data: InfiniteData<SessionPage, Cursor> | undefined,
  seats: LiveSeats,
): InfiniteData<SessionPage, Cursor> | undefined {
  if (!data) return data;
  const update = (session: SessionDto): SessionDto =>
    session.id === seats.id && seats.updatedAt >= session.updatedAt ? { ...session, ...seats } : session;
  return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map(update) })) };
}

/** The most sessions one live stream follows (the API's limit). */
const LIVE_MAX_IDS = 100;

/**
 * Seat counts as they change, for the sessions on screen: each event of the subscription
 * (SSE, straight from the browser to the API) is written into the list's cache; nothing is
 * refetched. It starts after hydration (never during server rendering).
 */
function useLiveSeats(ids: string[]) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listKey = trpc.sessions.list.infiniteQueryKey(LIST_INPUT);
  useSubscription(
    trpc.sessions.live.subscriptionOptions(
      { ids: ids.slice(0, LIVE_MAX_IDS) },
      {
        enabled: ids.length > 0,
        onData: (event) => queryClient.setQueryData(listKey, (data) => withSeats(data, event.data)),
      },
    ),
  );
}

function SessionItem({ session }: { session: SessionDto }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listKey = trpc.sessions.list.infiniteQueryKey(LIST_INPUT);
  const booking = useMutation(
    trpc.bookings.create.mutationOptions({
      // Optimistic: the seat count moves at the click; a failure puts the list back as it was.
      onMutate: async ({ sessionId }) => {
        await queryClient.cancelQueries({ queryKey: listKey });
        const before = queryClient.getQueryData(listKey);
        queryClient.setQueryData(listKey, (data) => withBooking(data, sessionId));
        return { before };
      },
      onError: (_error, _input, context) => {
        if (context?.before) queryClient.setQueryData(listKey, context.before);
      },
      // Either way, the server's counts are the truth.
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.sessions.list.pathFilter()),
          queryClient.invalidateQueries(trpc.bookings.mine.pathFilter()),
        ]),
    }),
  );

  let result: { status: string; text: string } | null = null;
  if (booking.isPending) result = { status: "pending", text: "Booking…" };
  else if (booking.isError) {
    const requestId = getRequestId(booking.error);
    result = {
      status: "error",
      text: bookingFailure(getErrorCode(booking.error)) + (requestId ? ` (request ${requestId})` : ""),
    };
  } else if (booking.isSuccess) {
    result =
      booking.data.status === "confirmed"
        ? { status: "confirmed", text: "Booked: your seat is confirmed." }
        : { status: booking.data.status, text: "You are on the waitlist." };
  }

  return (
    <li data-session-id={session.id}>
      <h3>{session.title}</h3>
      <p className="when">{when(session)}</p>
      <p className="seats">{seats(session)}</p>
      <button
        type="button"
        className="book"
        disabled={session.status !== "scheduled" || booking.isPending || booking.isSuccess}
        onClick={() => booking.mutate({ sessionId: session.id })}
      >
        Book a seat
      </button>
      {result && <output data-status={result.status}>{result.text}</output>}
    </li>
  );
}

/** The list the server started to fetch: the first page arrives with the HTML, not after it. */
export function SessionList() {
  const trpc = useTRPC();
  const list = useSuspenseInfiniteQuery(
    trpc.sessions.list.infiniteQueryOptions(LIST_INPUT, { getNextPageParam: nextPage }),
  );
  const sessions = list.data.pages.flatMap((page) => page.items);
  useLiveSeats(sessions.map((session) => session.id));
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Upcoming sessions</h2>
      <ol id="sessions" aria-live="polite">
        {sessions.map((session) => (
          <SessionItem key={session.id} session={session} />
        ))}
      </ol>
      <p id="message" role="alert">
        {list.isError
          ? `Could not load sessions (${getErrorCode(list.error) ?? "network error"}).`
          : list.isSuccess && sessions.length === 0
            ? "No upcoming sessions."
            : ""}
      </p>
      <button
        type="button"
        id="more"
        disabled={!list.hasNextPage || list.isFetchingNextPage}
        onClick={() => void list.fetchNextPage()}
      >
        {list.isFetchingNextPage ? "Loading…" : list.hasNextPage ? "Load more" : "No more sessions"}
      </button>
    </section>
  );
}
