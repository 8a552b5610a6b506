import { httpSubscriptionLink, retryLink, type TRPCLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "./router.js";
import { transformer } from "./transformer.js";

/**
 * The `EventSource` class subscriptions use: the browser's (the default, when there is a
 * global one), or on Node 20 the npm package `eventsource` (v5): `import { EventSource }
 * from "eventsource"`. Anything built like the WHATWG `EventSource` fits.
 */
export type EventSourceClass = new (url: string, init?: { withCredentials?: boolean }) => EventSource;

export interface SubscriptionOptions {
  /** The `EventSource` class; the global one when absent (browsers, Node ≥ 22, Deno, Bun). */
  EventSource?: EventSourceClass | undefined;
  /**
   * Milliseconds before a subscription whose stream failed to open (an instance at its
   * bound answers 503, a deploy, a network change) tries again, by attempt (from 1).
   * Default: 0.5 s doubling to 10 s, with jitter. A stream the server ends on purpose
   * (every ~25 s) is resumed by the EventSource itself, not through this.
   */
  retryDelayMs?: ((attempt: number) => number) | undefined;
}

/** 0.5 s, 1 s, 2 s, … up to 10 s, each between half and all of it (spread across clients). */
export function defaultRetryDelayMs(attempt: number): number {
  const ceiling = Math.min(10_000, 500 * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** The HTTP status an EventSource failed on (the npm `eventsource` says it; browsers do not). */
function statusOf(error: unknown): number | undefined {
  for (let cause = error, depth = 0; cause && depth < 4; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "number") return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What a subscription fails with where there is no EventSource to run it with. */
export class MissingEventSourceError extends Error {
  override readonly name = "MissingEventSourceError";
  constructor() {
    super(
      "No EventSource here: pass createClient({ subscriptions: { EventSource } }), on Node 20 from the npm package eventsource",
    );
  }
}

/** The global EventSource, looked up when a stream opens (a polyfill installed later applies). */
class GlobalEventSource {
  constructor(url: string, init?: { withCredentials?: boolean }) {
    const Global = (globalThis as { EventSource?: EventSourceClass }).EventSource;
    if (!Global) throw new MissingEventSourceError();
    // biome-ignore lint/correctness/noConstructorReturn: a stand-in for the class it looks up
    return new Global(url, init);
  }
}

const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "SERVICE_UNAVAILABLE",
  "GATEWAY_TIMEOUT",
  "BAD_GATEWAY",
  "INTERNAL_SERVER_ERROR",
]);

/**
 * A stream that failed to open is tried again, except for an answer that says the
 * subscription itself is wrong: the server's own error code (bad input), or a 4xx status
 * other than 408 and 429; and never without an EventSource.
 */
function retryable(error: TRPCClientError<AppRouter>): boolean {
  if (error.cause instanceof MissingEventSourceError) return false;
  if (error.data?.code) return RETRYABLE_CODES.has(error.data.code);
  const status = statusOf(error);
  return status === undefined || status >= 500 || status === 408 || status === 429;
}

type OperationLink = ReturnType<TRPCLink<AppRouter>>;
type LinkObservable = ReturnType<OperationLink>;

/**
 * An EventSource failure as an SDK error carrying its HTTP status where known, so that
 * `getErrorCode` names it (`BAD_REQUEST` for a 400, `SERVICE_UNAVAILABLE` for a 503).
 * tRPC's chain only ever subscribes to a link's observable, which is all this one does.
 */
const withStatus: TRPCLink<AppRouter> =
  () =>
  ({ next, op }) =>
    ({
      subscribe(observer: Parameters<LinkObservable["subscribe"]>[0]) {
        return next(op).subscribe({
          next: (value) => observer.next?.(value),
          complete: () => observer.complete?.(),
          error(error) {
            const status = error.data ? undefined : statusOf(error);
            const meta = { response: { status, headers: new Headers() } };
            observer.error?.(status === undefined ? error : TRPCClientError.from(error, { meta }));
          },
        });
      },
    }) as unknown as LinkObservable;

/**
 * The links subscriptions go through (`createClient` splits them from the HTTP link):
 * tRPC's `httpSubscriptionLink` on the same URL and transformer, behind a `retryLink`
 * that resumes a stream which failed to open from its last event id. No token is sent:
 * an EventSource cannot send headers, and `sessions.live` is public.
 */
export function subscriptionLinks(url: string, options: SubscriptionOptions = {}): TRPCLink<AppRouter>[] {
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  return [
    retryLink({ retry: ({ error }) => retryable(error), retryDelayMs }),
    withStatus,
    httpSubscriptionLink({
      url,
      transformer,
      EventSource: (options.EventSource ?? GlobalEventSource) as unknown as typeof EventSource,
    }),
  ];
}
