import { randomUUID } from "node:crypto";
import {
  type ApiRuntime,
  appRouter,
  CRON_TASKS_PATH,
  createContext,
  databaseHealth,
  handleCronTasksRequest,
  retryAfterSecondsOf,
  serviceHealth,
} from "@s3ssions/api";
import { withQueryTiming } from "@s3ssions/db";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { createCorsPolicy, preflightResponse } from "./cors.js";
import { MAX_BATCH_SIZE, MAX_BODY_BYTES, MAX_URL_LENGTH } from "./http-limits.js";
import { guardTrpcRequest } from "./json-guard.js";
import { SECURITY_HEADERS } from "./security-headers.js";

export const TRPC_ENDPOINT = "/api/trpc";

/** RSS for the request log, read at most once a second: each read is a file read under /proc. */
function rssSampler(): () => number {
  let sampledAt = 0;
  let mb = 0;
  return () => {
    const now = Date.now();
    if (now - sampledAt >= 1000) {
      sampledAt = now;
      mb = Math.round(process.memoryUsage.rss() / 1048576);
    }
    return mb;
  };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

function errorResponse(status: number, code: string, message: string, requestId: string, headers = {}): Response {
  return json({ error: { code, message, requestId } }, status, headers);
}

type TrpcCode = keyof typeof TRPC_ERROR_CODES_BY_KEY;

/**
 * A refusal before tRPC runs, in tRPC's own error envelope (superjson-wrapped, the data
 * our errorFormatter gives): on the tRPC endpoint the SDK sees one error shape only.
 */
function trpcErrorResponse(status: number, code: TrpcCode, message: string, requestId: string): Response {
  const data = { code, httpStatus: status, path: null, requestId, zodError: null };
  return json({ error: { json: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data } } }, status);
}

/** The procedure names of a tRPC URL (`/api/trpc/a.b,c.d`), for the log: names only, bounded. */
function proceduresOf(path: string): string[] {
  if (!path.startsWith(`${TRPC_ENDPOINT}/`)) return [];
  return path
    .slice(TRPC_ENDPOINT.length + 1)
    .split(",")
    .slice(0, MAX_BATCH_SIZE)
    .map((name) => (/^[\w.]{1,100}$/.test(name) ? name : "?"));
}

/**
 * The whole API as one web-standard handler: the Vercel function and the local server
 * both call exactly this. Around the routes: request ids, CORS, security headers,
 * `Server-Timing`, and one JSON log line per request.
 */
export function createFetchHandler(runtime: ApiRuntime): (request: Request) => Promise<Response> {
  const cors = createCorsPolicy(runtime.env.CORS_ORIGINS);
  const rssMb = rssSampler();
  let served = 0;

  async function route(request: Request, requestId: string, path: string, coldStart: boolean): Promise<Response> {
    const isTrpc = path === TRPC_ENDPOINT || path.startsWith(`${TRPC_ENDPOINT}/`);
    const refuse = (status: number, code: TrpcCode, message: string) =>
      isTrpc ? trpcErrorResponse(status, code, message, requestId) : errorResponse(status, code, message, requestId);
    if (request.url.length > MAX_URL_LENGTH) {
      return refuse(414, "BAD_REQUEST", `URLs are limited to ${MAX_URL_LENGTH} characters`);
    }
    if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) {
      return refuse(413, "PAYLOAD_TOO_LARGE", `Request body is larger than ${MAX_BODY_BYTES} bytes`);
    }
    if (request.method === "OPTIONS") return preflightResponse(cors, request);

    if (path === "/health" || path === "/health/db") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return errorResponse(405, "METHOD_NOT_SUPPORTED", `${request.method} is not allowed here`, requestId, {
          allow: "GET, HEAD",
        });
      }
      if (path === "/health") return json(serviceHealth(runtime, { coldStart }), 200);
      const health = await databaseHealth(runtime);
      return json(health, health.status === "ok" ? 200 : 503);
    }
    if (path === CRON_TASKS_PATH) {
      // Vercel Cron: drains due outbox tasks (Authorization: Bearer CRON_SECRET).
      return handleCronTasksRequest(runtime, request);
    }
    if (isTrpc) {
      // Nested too deep, not UTF-8 or looping superjson metadata: refused before tRPC/superjson parse it.
      const guarded = await guardTrpcRequest(request, { maxBodyBytes: MAX_BODY_BYTES });
      if (!guarded.ok) return refuse(guarded.status, guarded.code, guarded.message);
      return fetchRequestHandler({
        endpoint: TRPC_ENDPOINT,
        req: guarded.request,
        router: appRouter,
        maxBatchSize: MAX_BATCH_SIZE,
        createContext: () => createContext(runtime, { requestId, headers: request.headers, coldStart }),
        responseMeta({ errors }) {
          // A 429 says when to come back (RFC 9110 Retry-After, in seconds).
          const retryAfter = Math.max(0, ...errors.map((error) => retryAfterSecondsOf(error) ?? 0));
          return retryAfter > 0 ? { headers: { "retry-after": String(retryAfter) } } : {};
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
    return errorResponse(404, "NOT_FOUND", `No route for ${path}`, requestId);
  }

  return async function handle(request) {
    const started = performance.now();
    const coldStart = served++ === 0;
    const requestId = requestIdOf(request);
    const path = new URL(request.url).pathname.replace(/\/+$/, "") || "/";

    const { timing, result } = withQueryTiming(() => route(request, requestId, path, coldStart));
    let response: Response;
    try {
      response = await result;
    } catch (error) {
      runtime.logger.log("error", "request failed", {
        requestId,
        error: error instanceof Error ? error.message : String(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
      response = errorResponse(500, "INTERNAL_SERVER_ERROR", "Internal server error", requestId);
    }

    const durationMs = performance.now() - started;
    const headers = response.headers;
    for (const [name, value] of Object.entries({ ...SECURITY_HEADERS, ...cors.headersFor(request) })) {
      // Vary lists every request header the answer depends on: add to tRPC's, never skip it.
      if (name === "vary") {
        if (!/\bOrigin\b/i.test(headers.get("vary") ?? "")) headers.append("vary", value);
      } else if (!headers.has(name)) headers.set(name, value);
    }
    headers.set("x-request-id", requestId);
    headers.set("server-timing", `total;dur=${durationMs.toFixed(1)}, db;dur=${timing.dbMs.toFixed(1)}`);

    runtime.logger.log("info", "request", {
      requestId,
      method: request.method,
      path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
      procedures: proceduresOf(path),
      status: response.status,
      durationMs: Math.round(durationMs * 10) / 10,
      dbMs: Math.round(timing.dbMs * 10) / 10,
      dbQueries: timing.queries,
      coldStart,
      rssMb: rssMb(),
    });
    return response;
  };
}
