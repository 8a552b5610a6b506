import {
  type ApiRuntime,
  CRON_TASKS_PATH,
  createOverdueDrain,
  databaseHealth,
  errorEnvelope,
  handleCronTasksRequest,
  jsonResponse,
  serviceHealth,
} from "@s3ssions/api/runtime";
import { type Database, newQueryTiming, timedDatabase } from "@s3ssions/db";
import { createCorsPolicy, preflightResponse } from "./cors.js";
import { MAX_BATCH_SIZE, MAX_BODY_BYTES, MAX_URL_LENGTH } from "./http-limits.js";
import { createLiveStreams, type LiveStreams } from "./live-streams.js";
import { requestIdOf } from "./request-id.js";
import { SECURITY_HEADERS } from "./security-headers.js";
import { TRPC_ENDPOINT } from "./trpc-endpoint.js";

/**
 * An answer the handler writes itself (health, its own refusals): its JSON body, status and
 * own headers. It becomes a Response once, with the edge's headers in it from the start:
 * mutating a built Response's headers cost a health check a sixth of its own CPU
 * (a Headers object built, then one validated `set` per edge header).
 */
interface JsonAnswer {
  json: unknown;
  status: number;
  headers?: Record<string, string>;
}

function refusal(
  status: number,
  code: Parameters<typeof errorEnvelope>[1],
  message: string,
  requestId: string,
  headers?: Record<string, string>,
): JsonAnswer {
  return { json: errorEnvelope(status, code, message, requestId), status, headers };
}

const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);

/** The tRPC endpoint's module, imported at the first tRPC request (see trpc-route.ts). */
let trpcRoute: Promise<typeof import("./trpc-route.js")> | undefined;
function loadTrpcRoute() {
  trpcRoute ??= import("./trpc-route.js");
  return trpcRoute;
}

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
 * The request's URL, or null when none can be built from what the client sent: the local
 * server builds it from the Host header, which Node passes through with a port out of
 * range (`localhost:99999`) that the URL parser refuses. A client error, answered as one.
 */
function urlOf(request: Request): URL | null {
  try {
    return new URL(request.url);
  } catch {
    return null;
  }
}

/**
 * The whole API as one web-standard handler: the Vercel function and the local server
 * both call exactly this. Around the routes: request ids, CORS, security headers,
 * `Server-Timing`, and one JSON log line per request.
 */
export type FetchHandler = ((request: Request) => Promise<Response>) & {
  /** The instance's live streams: a graceful shutdown ends them (`endAll`) so clients resume elsewhere. */
  liveStreams: LiveStreams;
};

export function createFetchHandler(runtime: ApiRuntime): FetchHandler {
  const cors = createCorsPolicy(runtime.env.CORS_ORIGINS);
  const liveStreams = createLiveStreams(runtime.env.LIVE_MAX_STREAMS);
  const rssMb = rssSampler();
  const drainOverdueTasks = createOverdueDrain(runtime);
  let served = 0;

  async function route(
    request: Request,
    requestId: string,
    path: string,
    coldStart: boolean,
    /** The request's view of the database: every call through it is timed into the request's record. */
    db: Database,
  ): Promise<Response | JsonAnswer> {
    const isTrpc = path === TRPC_ENDPOINT || path.startsWith(`${TRPC_ENDPOINT}/`);
    if (request.url.length > MAX_URL_LENGTH) {
      return refusal(414, "BAD_REQUEST", `URLs are limited to ${MAX_URL_LENGTH} characters`, requestId);
    }
    if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) {
      return refusal(413, "PAYLOAD_TOO_LARGE", `Request body is larger than ${MAX_BODY_BYTES} bytes`, requestId);
    }
    if (request.method === "OPTIONS") return preflightResponse(cors, request, requestId);

    if (path === "/health" || path === "/health/db") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return refusal(405, "METHOD_NOT_SUPPORTED", `${request.method} is not allowed here`, requestId, {
          allow: "GET, HEAD",
        });
      }
      if (path === "/health") return { json: serviceHealth(runtime, { coldStart }), status: 200 };
      const health = await databaseHealth({ db });
      return { json: health, status: health.status === "ok" ? 200 : 503 };
    }
    if (path === CRON_TASKS_PATH) {
      // Vercel Cron: drains due outbox tasks (Authorization: Bearer CRON_SECRET).
      return handleCronTasksRequest({ ...runtime, db }, request, requestId);
    }
    if (isTrpc) {
      const { serveTrpc } = await loadTrpcRoute();
      return serveTrpc(runtime, request, { requestId, coldStart, db, liveStreams });
    }
    return refusal(404, "NOT_FOUND", `No route for ${path}`, requestId);
  }

  async function handle(request: Request): Promise<Response> {
    const started = performance.now();
    const coldStart = served++ === 0;
    const requestId = requestIdOf(request.headers.get("x-request-id"));
    const url = urlOf(request);
    const path = url ? url.pathname.replace(/\/+$/, "") || "/" : "?";

    const timing = newQueryTiming();
    let answer: Response | JsonAnswer;
    try {
      answer = url
        ? await route(request, requestId, path, coldStart, timedDatabase(runtime.db, timing))
        : refusal(400, "BAD_REQUEST", "Malformed request URL or Host header", requestId);
    } catch (error) {
      runtime.logger.log("error", "request failed", {
        requestId,
        error: error instanceof Error ? error.message : String(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
      answer = refusal(500, "INTERNAL_SERVER_ERROR", "Internal server error", requestId);
    }

    const durationMs = performance.now() - started;
    const serverTiming = `total;dur=${durationMs.toFixed(1)}, db;dur=${timing.dbMs.toFixed(1)}`;
    const corsHeaders = cors.headersFor(request);
    let response: Response;
    if (answer instanceof Response) {
      response = answer;
      const headers = response.headers;
      for (const [name, value] of SECURITY_HEADER_ENTRIES) if (!headers.has(name)) headers.set(name, value);
      for (const [name, value] of Object.entries(corsHeaders)) {
        // Vary lists every request header the answer depends on: add to tRPC's, never skip it.
        if (name === "vary") {
          if (!/\bOrigin\b/i.test(headers.get("vary") ?? "")) headers.append("vary", value);
        } else if (!headers.has(name)) headers.set(name, value);
      }
      headers.set("x-request-id", requestId);
      headers.set("server-timing", serverTiming);
    } else {
      response = jsonResponse(answer.json, answer.status, {
        ...SECURITY_HEADERS,
        ...corsHeaders,
        ...answer.headers,
        "x-request-id": requestId,
        "server-timing": serverTiming,
      });
    }

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
    // The cron route drains by itself; any other request may deliver a few overdue tasks after it.
    if (path !== CRON_TASKS_PATH) drainOverdueTasks();
    return response;
  }
  return Object.assign(handle, { liveStreams });
}
