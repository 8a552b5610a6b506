import {
  createTRPCClient,
  type HTTPBatchLinkOptions,
  type HTTPHeaders,
  httpBatchLink,
  httpLink,
  splitLink,
  type TRPCClient,
  type TRPCLink,
} from "@trpc/client";
import { TimeoutError, UnexpectedResponseError } from "./errors.js";
import { DEFAULT_TIMEOUT_MS, MAX_BATCH_SIZE, MAX_URL_LENGTH } from "./limits.js";
import type { AppRouter } from "./router.js";
import { type SubscriptionOptions, subscriptionLinks } from "./subscription-link.js";
import { transformer } from "./transformer.js";

type MaybePromise<T> = T | Promise<T>;

/** The `fetch` the SDK calls, in the form it calls it: `(url, init)`. The global `fetch` fits. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** The `fetch` type tRPC's links declare; they only ever call it as `(url: string, init)`. */
type LinkFetch = NonNullable<HTTPBatchLinkOptions<AppRouter["_def"]["_config"]["$types"]>["fetch"]>;

/** The options of tRPC's HTTP links, as `createClient` fills them in: URL, fetch with timeout, auth headers, transformer, batch limits. */
export type HttpLinkOptions = HTTPBatchLinkOptions<AppRouter["_def"]["_config"]["$types"]>;

/** What `links` gets: the HTTP link `createClient` would use, and the options it was built with. */
export interface DefaultLinks {
  /** The terminating link `createClient` builds (batched or not, per `batch`). */
  http: TRPCLink<AppRouter>;
  /** Its options, for a terminating link of your own: `httpBatchStreamLink(options)`. */
  options: HttpLinkOptions;
}

/** Returns the signed-in user's Supabase access token, or nothing when signed out. */
export type AccessTokenGetter = () => MaybePromise<string | null | undefined>;

/** Extra headers: an object, or a function called for every request. */
export type HeadersOption = HTTPHeaders | (() => MaybePromise<HTTPHeaders>);

export interface BatchOptions {
  /** The most calls per HTTP request; at most (and by default) `MAX_BATCH_SIZE`, the server's limit. */
  maxItems?: number | undefined;
  /** The longest URL of a batched GET; at most (and by default) `MAX_URL_LENGTH`, the server's limit. */
  maxURLLength?: number | undefined;
}

export interface CreateClientOptions {
  /**
   * The API's base URL, such as `https://api.example.com`; calls go to `${url}/api/trpc`.
   * A URL that already ends in `/api/trpc` is used as it is.
   */
  url: string | URL;
  /**
   * Called before every request; a token it returns is sent as
   * `Authorization: Bearer <token>`. Return the current (refreshed) token, e.g.
   * `async () => (await supabase.auth.getSession()).data.session?.access_token`.
   */
  getAccessToken?: AccessTokenGetter | undefined;
  /** Extra headers for every request (an `authorization` from `getAccessToken` wins). */
  headers?: HeadersOption | undefined;
  /** The `fetch` to use (tests, proxies, custom agents); the global `fetch` by default. */
  fetch?: FetchLike | undefined;
  /**
   * Calls made in the same tick share one HTTP request (default `true`), split to stay
   * within the server's limits. `false` sends one request per call.
   */
  batch?: boolean | BatchOptions | undefined;
  /**
   * Milliseconds before a request is aborted and its calls fail with `TIMEOUT`.
   * Default `DEFAULT_TIMEOUT_MS` (30 s); `0` or `Infinity` waits forever.
   */
  timeoutMs?: number | undefined;
  /**
   * The client's link chain, built from the defaults: add links in front of the HTTP
   * link (`({ http }) => [loggerLink(), http]`), or end in another HTTP link with the same
   * URL, auth, timeout and transformer (`({ options }) => [httpBatchStreamLink(options)]`).
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

const TRPC_PATH = "/api/trpc";

function endpointOf(url: string | URL): string {
  const base = String(url).replace(/\/+$/, "");
  if (!base) throw new TypeError("createClient: `url` is required, e.g. https://api.example.com");
  return base.endsWith(TRPC_PATH) ? base : `${base}${TRPC_PATH}`;
}

function limit(name: string, value: number | undefined, max: number): number {
  if (value === undefined) return max;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`createClient: batch.${name} must be an integer from 1 to ${max} (the server's limit)`);
  }
  return value;
}

/**
 * Wraps `fetch`: a request, body included, is aborted after `timeoutMs`; a body that is
 * not JSON (a platform's error page) fails with its HTTP status instead of a parse error.
 */
function instrument(fetchImpl: FetchLike, timeoutMs: number): FetchLike {
  const timed = !(timeoutMs === 0 || timeoutMs === Number.POSITIVE_INFINITY);
  if (timed && !(timeoutMs > 0))
    throw new RangeError("createClient: timeoutMs must be a positive number, 0 or Infinity");
  return async (input, init) => {
    const controller = new AbortController();
    const upstream = init?.signal ?? undefined;
    const forward = () => controller.abort(upstream?.reason);
    if (upstream?.aborted) forward();
    else upstream?.addEventListener("abort", forward, { once: true });
    const timer = timed ? setTimeout(() => controller.abort(new TimeoutError(timeoutMs)), timeoutMs) : undefined;
    // A streamed body is read without `json()`, so the timer may outlive the call: never let it hold a Node process open.
    (timer as { unref?: () => void } | undefined)?.unref?.();
    const done = () => {
      clearTimeout(timer);
      upstream?.removeEventListener("abort", forward);
    };
    try {
      const response = await fetchImpl(input, { ...init, signal: controller.signal });
      // The timer keeps running while tRPC reads the body, and stops once it has. The body is
      // parsed here, in the SDK's realm: under Jest the global fetch is Node's, and its `json()`
      // builds objects of another realm, which superjson does not walk (Dates stayed strings).
      const text = response.text.bind(response);
      Object.defineProperty(response, "json", {
        configurable: true,
        value: () =>
          text()
            .then((body) => JSON.parse(body) as unknown)
            .catch((error: unknown) => {
              if (controller.signal.aborted || (error as { name?: unknown })?.name !== "SyntaxError") throw error;
              throw new UnexpectedResponseError(response.status, response.headers?.get("x-request-id") ?? null, {
                cause: error,
              });
            })
            .finally(done),
      });
      return response;
    } catch (error) {
      done();
      throw error;
    }
  };
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
  const url = endpointOf(options.url);
  // Looked up per call, not captured: polyfills and test doubles installed later still apply.
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const fetch = instrument(baseFetch, options.timeoutMs ?? DEFAULT_TIMEOUT_MS) as LinkFetch;

  const headers = async (): Promise<HTTPHeaders> => {
    const extra = typeof options.headers === "function" ? await options.headers() : { ...options.headers };
    const token = await options.getAccessToken?.();
    if (!token) return extra;
    const merged: Record<string, string | string[] | undefined> = {};
    for (const [name, value] of Object.entries(extra)) {
      if (name.toLowerCase() !== "authorization") merged[name] = value;
    }
    merged.authorization = `Bearer ${token}`;
    return merged;
  };

  const batch = options.batch ?? true;
  const caps = typeof batch === "object" ? batch : {};
  const linkOptions: HttpLinkOptions = {
    url,
    fetch,
    headers,
    transformer,
    maxItems: limit("maxItems", caps.maxItems, MAX_BATCH_SIZE),
    maxURLLength: limit("maxURLLength", caps.maxURLLength, MAX_URL_LENGTH),
  };
  // Subscriptions go over SSE (httpSubscriptionLink), every other call over HTTP.
  const http: TRPCLink<AppRouter> = splitLink({
    condition: (op) => op.type === "subscription",
    true: subscriptionLinks(url, options.subscriptions),
    false: batch ? httpBatchLink<AppRouter>(linkOptions) : httpLink<AppRouter>({ url, fetch, headers, transformer }),
  });
  const links = options.links ? options.links({ http, options: linkOptions }) : [http];
  if (links.length === 0)
    throw new TypeError("createClient: `links` must return at least the link that sends requests");
  return createTRPCClient<AppRouter>({ links });
}
