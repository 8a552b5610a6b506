/**
 * The benchmark's baseline: the same routes as the API, written straight on `pg` with no
 * framework, no ORM and no validation library. Equivalent work and equivalent response
 * shapes, so that a ratio against it measures what our stack costs:
 *   GET  /health                          liveness, the same JSON fields
 *   GET  /health/db                       one `SELECT 1`, the same JSON (503 when it fails)
 *   GET  /api/trpc/sessions.list?input=…  the same filter/order/limit SQL, superjson-shaped
 *   GET  /api/trpc/sessions.byId?input=…  one session by id (404 when unknown), superjson-shaped
 *   GET  /api/trpc/bookings.mine?input=…  HS256 bearer check, then the caller's newest 20 bookings
 *   POST /api/trpc/bookings.create        HS256 bearer check (node:crypto), then one
 *        transaction with the statements ours sends: lock the session (FOR UPDATE) joined
 *        with the user's active booking; insert the booking and move the counter (one
 *        statement); insert the outbox task; after the response, claim the task and mark it
 *        done (what our outbox does with no WEBHOOK_URL). 7 statements, 3 transactions; the
 *        bench prints both sides' counts (PgBouncer's SHOW STATS) to keep them honest.
 * One `pg.Pool` of max `connection_limit` (1) on the pooled URL; statements are never
 * named (pg only names them when asked), so it is safe behind PgBouncer transaction mode.
 * Around the routes, what ours does around its own: a request id, our security headers (the
 * same object, imported) and one JSON log line per request on stdout.
 * Shared by the node:http server (server.ts) and the web-handler function (function.ts).
 * Here: the wrapper and the routing; each route lives in its own module (health.ts,
 * sessions-list.ts, bookings-create.ts).
 */
import { randomUUID } from "node:crypto";
import { SECURITY_HEADERS } from "@s3ssions/app-api/src/security-headers.js";
import pg from "pg";
import { createBooking } from "./bookings-create.js";
import { myBookings } from "./bookings-mine.js";
import { health, healthDb } from "./health.js";
import { type BaselineRequest, type BaselineResponse, json } from "./http.js";
import { poolConfig } from "./pool.js";
import { sessionById } from "./sessions-by-id.js";
import { listSessions } from "./sessions-list.js";

export interface Baseline {
  /** `waitUntil` is told about work that outlives the response (Vercel's, in the function). */
  handle(request: BaselineRequest, waitUntil?: (promise: Promise<unknown>) => void): Promise<BaselineResponse>;
  pool: pg.Pool;
  /** Work still running after its response (outbox tasks). */
  pending: Set<Promise<unknown>>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function createBaseline(env: Record<string, string | undefined>): Baseline {
  const url = env.SUPABASE_DB_URL_TRANSACTION;
  if (!url) throw new Error("SUPABASE_DB_URL_TRANSACTION is required");
  const pool = new pg.Pool(poolConfig(url));
  pool.on("error", () => {});
  const secret = Buffer.from(env.SUPABASE_JWT_SECRET ?? "", "utf8");
  const pending = new Set<Promise<unknown>>();
  let served = 0;

  function after(work: Promise<unknown>, waitUntil?: (p: Promise<unknown>) => void) {
    const tracked = work.catch(() => {});
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
    waitUntil?.(tracked);
  }

  /** Around every route, what ours does around its routes: a request id, security headers, one JSON log line. */
  async function handle(
    request: BaselineRequest,
    waitUntil?: (p: Promise<unknown>) => void,
  ): Promise<BaselineResponse> {
    const started = performance.now();
    const given = request.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    const coldStart = served++ === 0;
    const response = await route(request, coldStart, waitUntil);
    Object.assign(response.headers, SECURITY_HEADERS, { "x-request-id": requestId });
    const line = JSON.stringify({
      level: "info",
      time: new Date().toISOString(),
      msg: "request",
      requestId,
      method: request.method,
      path: request.path,
      status: response.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      coldStart,
    });
    process.stdout.write(`${line}\n`);
    return response;
  }

  async function route(
    request: BaselineRequest,
    coldStart: boolean,
    waitUntil?: (p: Promise<unknown>) => void,
  ): Promise<BaselineResponse> {
    const { method, path } = request;
    try {
      if (path === "/health" && method === "GET") return health(env, coldStart);
      if (path === "/health/db" && method === "GET") return await healthDb(pool);
      if (path === "/api/trpc/sessions.list" && method === "GET") return await listSessions(pool, request.query);
      if (path === "/api/trpc/sessions.byId" && method === "GET") return await sessionById(pool, request.query);
      if (path === "/api/trpc/bookings.mine" && method === "GET") return await myBookings(pool, secret, request);
      if (path === "/api/trpc/bookings.create" && method === "POST")
        return await createBooking(pool, secret, request, (work) => after(work, waitUntil));
      return json(404, { error: { code: "NOT_FOUND", message: `No route for ${path}` } });
    } catch {
      return json(500, { error: { code: "INTERNAL_SERVER_ERROR", message: "Internal server error" } });
    }
  }

  return { handle, pool, pending };
}
