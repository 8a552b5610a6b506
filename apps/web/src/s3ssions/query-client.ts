import { transformer } from "@s3ssions/client";
import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";

/** How long fetched data counts as fresh: the browser does not refetch what the server just rendered. */
export const STALE_TIME_MS = 30_000;

/** Sessions per page of the list. */
export const PAGE_SIZE = 5;

/**
 * One QueryClient shape for both sides, as tRPC's App Router guide sets it up:
 * - `staleTime` above zero, or every query the server prefetched refetches right after hydration;
 * - pending queries are dehydrated too: the server starts a query without awaiting it, and its
 *   promise streams to the browser, where `useSuspense*Query` picks it up;
 * - errors are not redacted: a query may fail with Next's own control-flow errors (dynamic
 *   rendering, `redirect()`, `notFound()`), which Next recognises only as thrown, and Next
 *   already replaces the message of a real error by a digest in production;
 * - the SDK's `transformer` (superjson) on both sides, the same one the wire uses.
 */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: STALE_TIME_MS, retry: false },
      dehydrate: {
        serializeData: transformer.serialize,
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
        shouldRedactErrors: () => false,
      },
      hydrate: { deserializeData: transformer.deserialize },
    },
  });
}
