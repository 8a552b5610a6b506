import { getErrorCode, isS3ssionsError } from "@s3ssions/client";
import { Suspense } from "react";
import { Account } from "../components/Account";
import { HostForm } from "../components/HostForm";
import { MyBookings } from "../components/MyBookings";
import { SessionList } from "../components/SessionList";
import { LIST_INPUT, nextPage } from "../s3ssions/list";
import { getQueryClient, HydrateClient, s3ssions, trpc } from "../s3ssions/server";
import { getAccessToken } from "../supabase/server";

/** The API's health, read through the SDK in this Server Component. */
async function readHealth(): Promise<{ state: "ok" | "down"; text: string }> {
  try {
    const [check, db] = await Promise.all([s3ssions.health.check.query(), s3ssions.health.db.query()]);
    return {
      state: "ok",
      text: `API ${check.status} (${check.environment}, ${check.region}) · database ${db.database} in ${Math.round(db.latencyMs)} ms`,
    };
  } catch (error) {
    // Only the API's answers are shown; anything else, Next's own signals included
    // (dynamic rendering, redirect(), notFound()), must reach Next as it was thrown.
    if (!isS3ssionsError(error)) throw error;
    return { state: "down", text: `API unavailable (${getErrorCode(error) ?? "network error"})` };
  }
}

export default async function Home() {
  const queryClient = getQueryClient();
  // Started, not awaited: the list streams in while the rest renders (a pending query is
  // dehydrated with its promise, and the client component suspends on it).
  void queryClient.prefetchInfiniteQuery(
    trpc.sessions.list.infiniteQueryOptions(LIST_INPUT, { getNextPageParam: nextPage }),
  );
  // The first SDK call reads the request's cookies: while Next prerenders at build time, that
  // is what tells Next this page is rendered per request.
  const health = await readHealth();
  const signedIn = Boolean(await getAccessToken());
  if (signedIn) void queryClient.prefetchQuery(trpc.bookings.mine.queryOptions({ limit: 20 }));
  return (
    <>
      <header>
        <h1>S3SSIONS</h1>
        <p id="health" data-state={health.state} role="status">
          {health.text}
        </p>
      </header>
      <main>
        <Account signedIn={signedIn} />
        <HydrateClient>
          <Suspense fallback={<p id="sessions-loading">Loading sessions…</p>}>
            <SessionList />
          </Suspense>
          {signedIn && (
            <Suspense fallback={<p>Loading your bookings…</p>}>
              <MyBookings />
            </Suspense>
          )}
        </HydrateClient>
        <HostForm />
      </main>
    </>
  );
}
