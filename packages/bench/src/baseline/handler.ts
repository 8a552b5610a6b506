/**
 * The benchmark's baseline: the same routes as the API, written straight on `pg` with no
 * framework, no ORM and no validation library. Equivalent work and equivalent response
 * shapes, so that a ratio against it measures what our stack costs:
 *   GET  /health                          liveness, the same JSON fields
 *   GET  /health/db                       one `SELECT 1`, the same JSON (503 when it fails)
 *   GET  /api/trpc/sessions.list?input=…  the same filter/order/limit SQL, superjson-shaped
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
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { SECURITY_HEADERS } from "@s3ssions/app-api/src/security-headers.js";
import pg from "pg";

export interface BaselineRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  header(name: string): string | null;
  body(): Promise<string>;
}

export interface BaselineResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export interface Baseline {
  /** `waitUntil` is told about work that outlives the response (Vercel's, in the function). */
  handle(request: BaselineRequest, waitUntil?: (promise: Promise<unknown>) => void): Promise<BaselineResponse>;
  pool: pg.Pool;
  /** Work still running after its response (outbox tasks). */
  pending: Set<Promise<unknown>>;
}

const DEPLOYMENT = {
  platform: "vercel_serverless",
  mode: "unified_engine",
  engine: "supabase_transaction_6543",
  config: "statement_cache_size_0_pgbouncer_optimized",
} as const;

const PRISMA_PARAMETERS = [
  "pgbouncer",
  "connection_limit",
  "pool_timeout",
  "connect_timeout",
  "socket_timeout",
  "statement_cache_size",
  "schema",
  "application_name",
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LEASE_MS = 60_000;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const startedAt = Date.now();

function json(status: number, value: unknown): BaselineResponse {
  return {
    status,
    body: JSON.stringify(value),
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  };
}

function trpcError(status: number, code: string, message: string, path: string): BaselineResponse {
  return json(status, { error: { json: { message, code: -32000, data: { code, httpStatus: status, path } } } });
}

function trpcResult(json: unknown, dates: string[]): BaselineResponse {
  const values: Record<string, ["Date"]> = {};
  for (const path of dates) values[path] = ["Date"];
  return {
    status: 200,
    body: JSON.stringify({ result: { data: { json, meta: { values, v: 1 } } } }),
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  };
}

function poolConfig(url: string): pg.PoolConfig {
  const parsed = new URL(url);
  const limit = Number(parsed.searchParams.get("connection_limit") ?? 1) || 1;
  const applicationName = parsed.searchParams.get("application_name") || "s3ssions_baseline";
  for (const name of PRISMA_PARAMETERS) parsed.searchParams.delete(name);
  return {
    connectionString: parsed.toString(),
    max: limit,
    connectionTimeoutMillis: 15_000,
    application_name: applicationName,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    keepAlive: true,
  };
}

// ---- auth: HS256 only (what the bench signs), with the claim checks ours makes ----

interface User {
  id: string;
}

function verifyHs256(token: string, secret: Buffer): User | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [head, payload, signature] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { alg?: string };
    if (header.alg !== "HS256") return null;
    const expected = createHmac("sha256", secret).update(`${head}.${payload}`).digest();
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== "number" || claims.exp <= now - 5) return null;
    if (typeof claims.nbf === "number" && claims.nbf > now + 5) return null;
    const aud = claims.aud;
    if (!(aud === "authenticated" || (Array.isArray(aud) && aud.includes("authenticated")))) return null;
    if (claims.role !== "authenticated") return null;
    if (typeof claims.sub !== "string" || !UUID.test(claims.sub)) return null;
    return { id: claims.sub.toLowerCase() };
  } catch {
    return null;
  }
}

// ---- rows → DTOs (the API's shapes) ----

interface SessionRow {
  id: string;
  host_id: string;
  title: string;
  description: string | null;
  starts_at: Date;
  ends_at: Date;
  timezone: string;
  location: string | null;
  online_url: string | null;
  capacity: number;
  status: "scheduled" | "cancelled";
  confirmed_count: number;
  waitlist_count: number;
  created_at: Date;
  updated_at: Date;
}

interface BookingRow {
  id: string;
  session_id: string;
  user_id: string;
  status: string;
  created_at: Date;
  updated_at: Date;
}

function sessionDto(row: SessionRow) {
  return {
    id: row.id,
    hostId: row.host_id,
    title: row.title,
    description: row.description,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    timezone: row.timezone,
    capacity: row.capacity,
    location: row.location,
    onlineUrl: row.online_url,
    status: row.status,
    confirmedCount: row.confirmed_count,
    waitlistCount: row.waitlist_count,
    seatsLeft: row.status === "cancelled" ? 0 : Math.max(0, row.capacity - row.confirmed_count),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function bookingDto(row: BookingRow) {
  return {
    id: row.id,
    sessionId: row.session_id,
    userId: row.user_id,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const SESSION_COLUMNS =
  "id, host_id, title, description, starts_at, ends_at, timezone, location, online_url, capacity, status, confirmed_count, waitlist_count, created_at, updated_at";
const BOOKING_COLUMNS = "id, session_id, user_id, status, created_at, updated_at";

/** The superjson input of a GET procedure (`?input={"json":…,"meta":…}`). */
function queryInput(query: URLSearchParams): Record<string, unknown> | null {
  const raw = query.get("input");
  if (raw === null) return {};
  try {
    const parsed = JSON.parse(raw) as { json?: unknown };
    const value = parsed?.json ?? {};
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

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

  async function healthDb(): Promise<BaselineResponse> {
    const started = performance.now();
    try {
      await pool.query("SELECT 1");
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      return json(200, { status: "ok", database: "connected", ...DEPLOYMENT, latencyMs });
    } catch {
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      return json(503, {
        status: "error",
        database: "disconnected",
        platform: DEPLOYMENT.platform,
        reason: "database unreachable",
        latencyMs,
      });
    }
  }

  async function listSessions(query: URLSearchParams): Promise<BaselineResponse> {
    const path = "sessions.list";
    const input = queryInput(query);
    if (!input) return trpcError(400, "BAD_REQUEST", "Invalid input", path);
    const limit = input.limit ?? 20;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 100) {
      return trpcError(400, "BAD_REQUEST", "limit must be an integer from 1 to 100", path);
    }
    const from = typeof input.from === "string" ? new Date(input.from) : new Date();
    if (Number.isNaN(from.getTime())) return trpcError(400, "BAD_REQUEST", "Invalid from", path);
    const where = ["starts_at >= $1"];
    const values: unknown[] = [from];
    if (typeof input.hostId === "string") {
      if (!UUID.test(input.hostId)) return trpcError(400, "BAD_REQUEST", "Invalid hostId", path);
      values.push(input.hostId);
      where.push(`host_id = $${values.length}::uuid`);
    }
    if (input.includeCancelled !== true) where.push(`status = 'scheduled'`);
    if (typeof input.cursor === "string") {
      let decoded: unknown[];
      try {
        decoded = JSON.parse(Buffer.from(input.cursor, "base64url").toString("utf8")) as unknown[];
      } catch {
        return trpcError(400, "BAD_REQUEST", "Invalid cursor", path);
      }
      const at = new Date(String(decoded[0]));
      const id = String(decoded[1]);
      if (Number.isNaN(at.getTime()) || !UUID.test(id)) return trpcError(400, "BAD_REQUEST", "Invalid cursor", path);
      values.push(at, id);
      where.push(
        `(starts_at > $${values.length - 1} OR (starts_at = $${values.length - 1} AND id > $${values.length}::uuid))`,
      );
    }
    values.push(limit + 1);
    const { rows } = await pool.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ${where.join(" AND ")} ORDER BY starts_at ASC, id ASC LIMIT $${values.length}`,
      values,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? Buffer.from(JSON.stringify([last.starts_at.toISOString(), last.id])).toString("base64url")
        : null;
    const dates: string[] = [];
    page.forEach((_, i) => {
      dates.push(`items.${i}.startsAt`, `items.${i}.endsAt`, `items.${i}.createdAt`, `items.${i}.updatedAt`);
    });
    return trpcResult({ items: page.map(sessionDto), nextCursor }, dates);
  }

  async function runTask(taskId: string): Promise<void> {
    const claimed = await pool.query<{ id: string; attempts: number }>(
      `UPDATE tasks SET status = 'running', attempts = attempts + 1,
              locked_until = now() + $2 * interval '1 millisecond', updated_at = now()
        WHERE id IN (SELECT id FROM tasks
                      WHERE ((status = 'pending' AND run_after <= now())
                          OR (status = 'running' AND (locked_until IS NULL OR locked_until < now())))
                        AND id = ANY($1::uuid[])
                      ORDER BY run_after, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, kind, payload, attempts, created_at, locked_until`,
      [[taskId], LEASE_MS],
    );
    for (const task of claimed.rows) {
      // No WEBHOOK_URL: the task completes without a delivery, as ours does.
      await pool.query(
        `UPDATE tasks SET status = 'done', completed_at = now(), locked_until = NULL, last_error = NULL, updated_at = now()
          WHERE id = $1::uuid AND status = 'running' AND attempts = $2`,
        [task.id, task.attempts],
      );
    }
  }

  async function createBooking(
    request: BaselineRequest,
    waitUntil?: (p: Promise<unknown>) => void,
  ): Promise<BaselineResponse> {
    const path = "bookings.create";
    const match = /^Bearer ([^\s]+)$/i.exec((request.header("authorization") ?? "").trim());
    const user = match?.[1] ? verifyHs256(match[1], secret) : null;
    if (!user) return trpcError(401, "UNAUTHORIZED", "Invalid access token", path);
    let sessionId: unknown;
    try {
      const body = JSON.parse(await request.body()) as { json?: { sessionId?: unknown } };
      sessionId = body?.json?.sessionId;
    } catch {
      return trpcError(400, "PARSE_ERROR", "Invalid JSON", path);
    }
    if (typeof sessionId !== "string" || !UUID.test(sessionId)) {
      return trpcError(400, "BAD_REQUEST", "sessionId must be a UUID", path);
    }

    const client = await pool.connect();
    let outcome: { booking: BookingRow; taskId: string | null } | BaselineResponse;
    try {
      await client.query("BEGIN");
      try {
        outcome = await (async () => {
          const locked = await client.query<SessionRow & { b_id: string | null } & Record<string, unknown>>(
            `SELECT s.id, s.host_id, s.title, s.starts_at, s.capacity, s.status, s.confirmed_count, s.waitlist_count,
                    b.id AS b_id, b.status AS b_status, b.created_at AS b_created_at, b.updated_at AS b_updated_at
               FROM sessions s
               LEFT JOIN bookings b ON b.session_id = s.id AND b.user_id = $2::uuid AND b.status <> 'cancelled'
              WHERE s.id = $1::uuid
                FOR UPDATE OF s`,
            [sessionId, user.id],
          );
          const session = locked.rows[0];
          if (!session) return trpcError(404, "NOT_FOUND", "Session not found", path);
          if (session.b_id) {
            const existing: BookingRow = {
              id: session.b_id,
              session_id: session.id,
              user_id: user.id,
              status: String(session.b_status),
              created_at: session.b_created_at as Date,
              updated_at: session.b_updated_at as Date,
            };
            return { booking: existing, taskId: null };
          }
          if (session.status === "cancelled") {
            return trpcError(412, "PRECONDITION_FAILED", "The session is cancelled", path);
          }
          if (session.starts_at.getTime() <= Date.now()) {
            return trpcError(412, "PRECONDITION_FAILED", "The session has already started", path);
          }
          const status = session.confirmed_count < session.capacity ? "confirmed" : "waitlisted";
          const confirmed = status === "confirmed" ? 1 : 0;
          const inserted = await client.query<BookingRow>(
            `WITH inserted AS (
               INSERT INTO bookings (id, session_id, user_id, status, created_at, updated_at)
               VALUES ($1::uuid, $2::uuid, $3::uuid, $4::"BookingStatus", now(), now()) RETURNING ${BOOKING_COLUMNS}
             ), counted AS (
               UPDATE sessions SET confirmed_count = confirmed_count + $5::int, waitlist_count = waitlist_count + $6::int,
                      updated_at = now()
                WHERE id = $2::uuid
             )
             SELECT * FROM inserted`,
            [randomUUID(), session.id, user.id, status, confirmed, 1 - confirmed],
          );
          const booking = inserted.rows[0] as BookingRow;
          const payload = {
            booking: {
              id: booking.id,
              sessionId: booking.session_id,
              userId: booking.user_id,
              status: booking.status,
              createdAt: booking.created_at.toISOString(),
              updatedAt: booking.updated_at.toISOString(),
            },
            session: {
              id: session.id,
              hostId: session.host_id,
              title: session.title,
              startsAt: session.starts_at.toISOString(),
            },
          };
          const task = await client.query<{ id: string }>(
            "INSERT INTO tasks (id, kind, payload, updated_at) VALUES ($1::uuid, $2, $3::jsonb, now()) RETURNING id",
            [randomUUID(), `booking.${status}`, JSON.stringify(payload)],
          );
          return { booking, taskId: task.rows[0]?.id ?? null };
        })();
        await client.query("status" in outcome ? "ROLLBACK" : "COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
      client.release();
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    if ("status" in outcome) return outcome;
    if (outcome.taskId) after(runTask(outcome.taskId), waitUntil);
    return trpcResult(bookingDto(outcome.booking), ["createdAt", "updatedAt"]);
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
      if (path === "/health" && method === "GET") {
        return json(200, {
          status: "ok",
          platform: DEPLOYMENT.platform,
          mode: DEPLOYMENT.mode,
          environment: env.APP_ENV ?? "development",
          version: env.VERCEL_GIT_COMMIT_SHA ?? "dev",
          region: env.VERCEL_REGION ?? "local",
          uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
          coldStart,
        });
      }
      if (path === "/health/db" && method === "GET") return await healthDb();
      if (path === "/api/trpc/sessions.list" && method === "GET") return await listSessions(request.query);
      if (path === "/api/trpc/bookings.create" && method === "POST") return await createBooking(request, waitUntil);
      return json(404, { error: { code: "NOT_FOUND", message: `No route for ${path}` } });
    } catch {
      return json(500, { error: { code: "INTERNAL_SERVER_ERROR", message: "Internal server error" } });
    }
  }

  return { handle, pool, pending };
}
