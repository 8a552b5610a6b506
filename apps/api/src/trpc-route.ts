import { type ApiRuntime, appRouter, createContext, httpError, retryAfterSecondsOf } from "@s3ssions/api";
import type { Database } from "@s3ssions/db";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { cacheHeadersFor } from "./cache-control.js";
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
 * The tRPC endpoint: the JSON guard, then tRPC with our context, cache headers, Retry-After
 * and the log line of a procedure that failed. Its own module, imported by the fetch
 * handler at the first tRPC request (a chunk of its own in the bundle): the router, its
 * schemas, tRPC and superjson are not compiled by a cold start that answers a health check.
 */
export async function serveTrpc(runtime: ApiRuntime, request: Request, call: TrpcCall): Promise<Response> {
  const { requestId } = call;
  // Nested too deep, not UTF-8 or looping superjson metadata: refused before tRPC/superjson parse it.
  const guarded = await guardTrpcRequest(request, { maxBodyBytes: MAX_BODY_BYTES });
  if (!guarded.ok) return httpError(guarded.status, guarded.code, guarded.message, requestId);
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

function answer(runtime: ApiRuntime, request: Request, guarded: Request, call: TrpcCall): Promise<Response> {
  const { requestId, coldStart, db } = call;
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req: guarded,
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: () => createContext(runtime, { requestId, headers: request.headers, coldStart, db }),
    responseMeta({ errors, paths, type }) {
      const headers = cacheHeadersFor({
        type,
        paths,
        hasErrors: errors.length > 0,
        authorization: request.headers.get("authorization"),
      });
      // A 429 says when to come back (RFC 9110 Retry-After, in seconds).
      const retryAfter = Math.max(0, ...errors.map((error) => retryAfterSecondsOf(error) ?? 0));
      return { headers: retryAfter > 0 ? { ...headers, "retry-after": String(retryAfter) } : headers };
    },
    onError({ error, path: procedure }) {
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
}
