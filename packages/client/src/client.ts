import {
  createTRPCClientProxy,
  type HTTPBatchLinkOptions,
  type HTTPHeaders,
  type Operation,
  splitLink,
  type TRPCClient,
  type TRPCLink,
  TRPCUntypedClient,
} from "@trpc/client";
import { MAX_BATCH_SIZE, MAX_URL_LENGTH } from "./limits.js";
import { DEFAULT_TIMEOUT_MS } from "./limits.js";
import type { AppRouter } from "./router.js";
import { type SubscriptionOptions, subscriptionLinks } from "./subscription-link.js";
import { transformer } from "./transformer.js";
import { checkTimeoutMs } from "./transport/call-life.js";
import { callerFacing, callLink } from "./transport/call-link.js";
import { callStateOf } from "./transport/call-state.js";
import type { AccessTokenGetter, HeadersOption } from "./transport/credentials.js";
import { type RetryOptions, retryPolicyOf } from "./transport/retry-policy.js";
import { type FetchLike, transportLink } from "./transport/transport-link.js";
import { endpointOf } from "./transport/wire.js";

export type { AccessTokenGetter, HeadersOption, HeadersValue } from "./transport/credentials.js";
export type { RetryOptions } from "./transport/retry-policy.js";
export type { FetchLike } from "./transport/transport-link.js";

/** The options of tRPC's HTTP links, as `createClient` fills them in: URL, fetch, per-call auth headers, transformer, batch limits. */
export type HttpLinkOptions = HTTPBatchLinkOptions<AppRouter["_def"]["_config"]["$types"]>;

/** What `links` gets: the link `createClient` would send calls with, and options for one of tRPC's. */
export interface DefaultLinks {
  /** The terminating link `createClient` builds (batched per credential, or not, per `batch`). */
  http: TRPCLink<AppRouter>;
  /**
   * For a terminating link of tRPC's own, e.g. `httpBatchStreamLink(options)`. Its
   * headers are each call's own; a request whose calls carry different credentials (or
   * more than one idempotency key) fails instead of being sent.
   */
  options: HttpLinkOptions;
}

export interface BatchOptions {
  /** The most calls per HTTP request; at most (and by default) `MAX_BATCH_SIZE`, the server's limit. */
  maxItems?: number | undefined;
  /** The longest URL of a batched GET; at most (and by default) `MAX_URL_LENGTH`, the server's limit. */
  maxURLLength?: number | undefined;
}

export interface CreateClientOptions {
  /**
   * The API's base URL, such as `https://api.example.com`; calls go to `${url}/api/trpc`.
   * A URL that already ends in `/api/trpc` is used as it is; its query string (a Vercel
   * protection bypass) is kept on every request.
   */
  url: string | URL;
  /**
   * Called for every call, in the caller's context; a token it returns is sent as
   * `Authorization: Bearer <token>`. Return the current (refreshed) token, e.g.
   * `async () => (await supabase.auth.getSession()).data.session?.access_token`.
   * Whatever it throws (Next.js' `cookies()` while prerendering) the call rejects with, as thrown.
   */
  getAccessToken?: AccessTokenGetter | undefined;
  /** Extra headers for every call: an object, `Headers`, pairs, or a function returning one (an `authorization` from `getAccessToken` wins). */
  headers?: HeadersOption | undefined;
  /** The `fetch` to use (tests, proxies, custom agents); the global `fetch` by default. */
  fetch?: FetchLike | undefined;
  /**
   * Calls made in the same tick with the same credentials share one HTTP request
   * (default `true`), split to stay within the server's limits. `false` sends one request per call.
   */
  batch?: boolean | BatchOptions | undefined;
  /**
   * Milliseconds a call may take in all — the token, every attempt, the waits between
   * them, the body — before it fails with `TIMEOUT`. Default `DEFAULT_TIMEOUT_MS` (30 s);
   * `0` or `Infinity` waits forever; at most 2³¹−1.
   */
  timeoutMs?: number | undefined;
  /**
   * Retries, on by default (3 attempts in all): queries, and mutations with their
   * idempotency key, after a network failure, 502, 503 or 504, honouring `Retry-After`;
   * never after another 4xx. `false` turns them off.
   */
  retry?: boolean | RetryOptions | undefined;
  /**
   * Every mutation gets an `Idempotency-Key` of its own (the same on each of its
   * attempts), so that a retry never applies a change twice (default `true`). A call
   * may bring its own key: `mutate(input, { context: { idempotencyKey } })`.
   */
  idempotencyKeys?: boolean | undefined;
  /**
   * The client's link chain, built from the defaults: add links in front of the HTTP
   * link (`({ http }) => [loggerLink(), http]`), or end in another HTTP link with the same
   * URL, auth and transformer (`({ options }) => [httpBatchStreamLink(options)]`).
   * The last link must send the request.
   */
  links?: ((defaults: DefaultLinks) => TRPCLink<AppRouter>[]) | undefined;
  /**
   * How subscriptions (`client.sessions.live.subscribe`) run: over SSE, with the global
   * `EventSource` unless one is given (Node 20: `{ EventSource }` from the npm package
   * `eventsource`). See subscription-link.ts.
   */
  subscriptions?: SubscriptionOptions | undefined;
}

/** The typed client: `client.sessions.list.query({ limit: 5 })`, `client.bookings.create.mutate({ sessionId })`, … */
export type S3ssionsClient = TRPCClient<AppRouter>;

function limit(name: string, value: number | undefined, max: number): number {
  if (value === undefined) return max;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`createClient: batch.${name} must be an integer from 1 to ${max} (the server's limit)`);
  }
  return value;
}

/** What a tRPC link's request fails with when the SDK will not send it as batched. */
class RequestRefusedError extends Error {
  override readonly name = "RequestRefusedError";
}

/** The headers one request of a tRPC link carries: its calls' own, which must agree. */
function headersOfOps(ops: readonly Operation[]): HTTPHeaders {
  const states = ops.map(callStateOf);
  const fingerprints = new Set(states.map((state) => state?.credentials.fingerprint ?? ""));
  if (fingerprints.size > 1) {
    throw new RequestRefusedError("calls with different credentials may not share a request");
  }
  const keys = states.flatMap((state) => (state?.idempotencyKey ? [state.idempotencyKey] : []));
  if (keys.length > 0 && ops.length > 1) {
    throw new RequestRefusedError("keyed mutations travel alone: send mutations through `http`");
  }
  return { ...states[0]?.credentials.headers, ...(keys[0] ? { "idempotency-key": keys[0] } : {}) };
}

/** Rejects with what the app's own getter threw, as thrown (a framework's control flow must reach it intact). */
class S3ssionsUntypedClient extends TRPCUntypedClient<AppRouter> {
  override query(...args: Parameters<TRPCUntypedClient<AppRouter>["query"]>) {
    return super.query(...args).catch((error: unknown) => Promise.reject(callerFacing(error)));
  }
  override mutation(...args: Parameters<TRPCUntypedClient<AppRouter>["mutation"]>) {
    return super.mutation(...args).catch((error: unknown) => Promise.reject(callerFacing(error)));
  }
}

/**
 * Creates a typed client for the S3SSIONS API.
 *
 * ```ts
 * const client = createClient({ url: "https://api.example.com", getAccessToken });
 * const page = await client.sessions.list.query({ limit: 5 });
 * ```
 */
export function createClient(options: CreateClientOptions): S3ssionsClient {
  const endpoint = endpointOf(options.url);
  // Looked up per call, not captured: polyfills and test doubles installed later still apply.
  const fetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = checkTimeoutMs(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const retry = retryPolicyOf(options.retry);
  const batch = options.batch ?? true;
  const caps = typeof batch === "object" ? batch : {};
  const maxItems = limit("maxItems", caps.maxItems, MAX_BATCH_SIZE);
  const maxURLLength = limit("maxURLLength", caps.maxURLLength, MAX_URL_LENGTH);

  const url = endpoint.search ? `${endpoint.url}?${endpoint.search}` : endpoint.url;
  // Subscriptions go over SSE (httpSubscriptionLink), every other call through the transport.
  const http: TRPCLink<AppRouter> = splitLink({
    condition: (op) => op.type === "subscription",
    true: subscriptionLinks(url, options.subscriptions),
    false: transportLink({ endpoint, fetch, batch: batch ? { maxItems, maxURLLength } : false }),
  });
  const linkOptions: HttpLinkOptions = {
    url,
    fetch: fetch as NonNullable<HttpLinkOptions["fetch"]>,
    headers: (opts) => headersOfOps("opList" in opts ? opts.opList : [(opts as { op: Operation }).op]),
    transformer,
    maxItems,
    maxURLLength,
  };
  const links = options.links ? options.links({ http, options: linkOptions }) : [http];
  if (links.length === 0)
    throw new TypeError("createClient: `links` must return at least the link that sends requests");
  const first = callLink({
    getAccessToken: options.getAccessToken,
    headers: options.headers,
    timeoutMs,
    retry,
    idempotencyKeys: options.idempotencyKeys ?? true,
  });
  return createTRPCClientProxy<AppRouter>(new S3ssionsUntypedClient({ links: [first, ...links] }));
}
