import {
  type ApiRuntime,
  appRouter,
  attachRequestId,
  type Context,
  createContext,
  httpError,
  keyedBatchProblem,
  retryAfterSecondsOf,
} from "@s3ssions/api";
import type { Database } from "@s3ssions/db";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { cacheHeadersFor, PRIVATE_CACHE_CONTROL } from "./cache-control.js";
import { MAX_BATCH_SIZE, MAX_BODY_BYTES } from "./http-limits.js";
import { guardTrpcRequest } from "./json-guard.js";
import { LIVE_RETRY_AFTER_SECONDS, type LiveStreams } from "./live-streams.js";
import { refuseBadSubscriptionInput, subscriptionOf } from "./subscription-input.js";
import { TRPC_ENDPOINT } from "./trpc-endpoint.js";

export interface TrpcCall {
  requestId: string;
  coldStart: boolean;
  /** The request's view of the database (its calls timed). */
  db: Database;
  /** The instance's open live streams: a subscription is counted, or refused past the bound. */
  liveStreams: LiveStreams;
}

/**
 * The tRPC endpoint: the JSON guard, a keyed batch and a bad subscription refused, the
 * live-stream bound, then tRPC with our context, cache headers, Retry-After and the log
 * line of a procedure that failed. Its own module, imported by the fetch handler at the
 * first tRPC request (a chunk of its own in the bundle): the router, its schemas, tRPC and
 * superjson are not compiled by a cold start that answers a health check.
 */
export async function serveTrpc(runtime: ApiRuntime, request: Request, call: TrpcCall): Promise<Response> {
  const { requestId } = call;
  // Nested too deep, not UTF-8 or looping superjson metadata: refused before tRPC/superjson parse it.
  const guarded = await guardTrpcRequest(request, { maxBodyBytes: MAX_BODY_BYTES });
  if (!guarded.ok) return httpError(guarded.status, guarded.code, guarded.message, requestId);
  if (request.method === "POST") {
    const calls = new URL(request.url).pathname.slice(TRPC_ENDPOINT.length + 1).split(",").length;
    const problem = keyedBatchProblem(request.headers, calls);
    if (problem) return httpError(400, "BAD_REQUEST", problem, requestId);
  }
  const subscription = subscriptionOf(request);
  if (subscription) {
    const refused = await refuseBadSubscriptionInput(runtime, request, subscription, requestId);
    if (refused) return refused;
  }
  const stream = subscription ? call.liveStreams.reserve() : undefined;
  if (stream === null) {
    return httpError(
      503,
      "SERVICE_UNAVAILABLE",
      "This instance serves as many live streams as it can; try again",
      requestId,
      {
        "retry-after": String(LIVE_RETRY_AFTER_SECONDS),
      },
    );
  }
  let response: Response;
  try {
    response = await answer(runtime, request, guarded.request, call);
  } catch (error) {
    stream?.release();
    throw error;
  }
  return stream ? stream.track(response) : response;
}

async function answer(runtime: ApiRuntime, request: Request, guarded: Request, call: TrpcCall): Promise<Response> {
  const { requestId, coldStart, db } = call;
  const response = await fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req: guarded,
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: () => createContext(runtime, { requestId, headers: request.headers, coldStart, db }),
    responseMeta({ ctx, errors, paths, type }) {
      const headers = cacheHeadersFor({
        method: request.method,
        streamed: request.headers.get("trpc-accept") === "application/jsonl",
        type,
        paths,
        hasErrors: errors.length > 0,
        authorization: request.headers.get("authorization"),
      });
      // A procedure's own headers (a replay's Idempotent-Replayed) join ours.
      for (const [name, value] of (ctx as Context | undefined)?.responseHeaders ?? []) headers[name] = value;
      // A 429 (or a 409 for a key in flight) says when to come back (RFC 9110 Retry-After, in seconds).
      const retryAfter = Math.max(0, ...errors.map((error) => retryAfterSecondsOf(error) ?? 0));
      return { headers: retryAfter > 0 ? { ...headers, "retry-after": String(retryAfter) } : headers };
    },
    onError({ error, path: procedure }) {
      // Called just before tRPC formats the error, also when it has no context to format it with.
      attachRequestId(error, requestId);
      if (error.code === "INTERNAL_SERVER_ERROR") {
        runtime.logger.log("error", "procedure failed", {
          requestId,
          procedure,
          error: error.cause?.message ?? error.message,
          stack: error.cause?.stack ?? error.stack,
        });
      }
    },
  });
  // tRPC answers HEAD with a bare 204 that skips responseMeta: without a header, a cache may keep it heuristically.
  if (!response.headers.has("cache-control")) response.headers.set("cache-control", PRIVATE_CACHE_CONTROL);
  return response;
}
