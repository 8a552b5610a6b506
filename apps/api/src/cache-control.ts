/**
 * What a shared cache (Vercel's CDN, a proxy) may keep of a tRPC answer. Public reads by
 * a caller without a token are the same for everyone and may be served from a CDN for a
 * few seconds; anything that depends on the caller (a token was sent: bookings.mine, a
 * session's onlineUrl for its host), every mutation and every error is private, no-store.
 *
 * A streamed answer (`trpc-accept: application/jsonl`, httpBatchStreamLink) sends its
 * headers before any call has an outcome: it may still carry an error, or a database
 * outage, so it is always private. Only a GET is ever public (tRPC streams a query sent
 * by POST as a 200 that holds METHOD_NOT_SUPPORTED).
 */

/** Queries whose answer without a token is the same for everyone. */
const PUBLIC_READS: ReadonlySet<string> = new Set(["sessions.list", "sessions.byId"]);

/** Five seconds fresh at the CDN, thirty more served stale while it refreshes; browsers always revalidate. */
export const PUBLIC_CACHE_CONTROL = "public, max-age=0, s-maxage=5, stale-while-revalidate=30";
export const PRIVATE_CACHE_CONTROL = "private, no-store";

export function cacheHeadersFor(call: {
  method: string;
  /** Answered as a stream: the outcome is not known when the headers leave. */
  streamed: boolean;
  type: string;
  paths: readonly string[] | undefined;
  hasErrors: boolean;
  authorization: string | null;
}): Record<string, string> {
  const shared =
    call.method === "GET" &&
    !call.streamed &&
    call.type === "query" &&
    !call.hasErrors &&
    !call.authorization &&
    call.paths !== undefined &&
    call.paths.length > 0 &&
    call.paths.every((path) => PUBLIC_READS.has(path));
  // Vary: a cached anonymous answer is never served to a request that carries a token.
  return shared
    ? { "cache-control": PUBLIC_CACHE_CONTROL, vary: "Authorization" }
    : { "cache-control": PRIVATE_CACHE_CONTROL };
}
