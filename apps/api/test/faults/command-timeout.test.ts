import {
  type ApiProcess,
  type TestDatabase,
  createTestDatabase,
  ensurePgBouncer,
  spawnApi,
  sql,
} from "@s3ssions/testing";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { INTERNALS, JWT_SECRET, trpc, userToken } from "./support.js";

// The command timeout is socket_timeout=1 (seconds) in the pooled URL, and the pooler is
// the real PgBouncer in transaction mode. A statement past it must be cancelled on the
// server, answered 504 with a typed error, and leave the instance's one connection usable.

let tdb: TestDatabase;
let api: ApiProcess;
let host: { userId: string; token: string };
const lockers: pg.Client[] = [];

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("cmdtimeout");
  api = await spawnApi({
    env: {
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl({ pgbouncer: true, connection_limit: 1, socket_timeout: 1 }),
      SUPABASE_JWT_SECRET: JWT_SECRET,
      RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
      RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "0",
    },
  });
  host = await userToken();
});

afterEach(async () => {
  for (const locker of lockers.splice(0)) {
    await locker.query("ROLLBACK").catch(() => {});
    await locker.end().catch(() => {});
  }
});

afterAll(async () => {
  await api?.stop();
  await tdb?.drop();
});

/** A direct connection (5432) that opens a transaction and runs `lockSql` in it. */
async function holdLock(lockSql: string, values: unknown[] = []) {
  const locker = new pg.Client({ connectionString: tdb.directUrl });
  locker.on("error", () => {});
  await locker.connect();
  lockers.push(locker);
  await locker.query("BEGIN");
  await locker.query(lockSql, values);
  return {
    /** Other backends on the test database that are not idle, as the locker sees them. */
    async waiting() {
      // Inside a transaction the activity view is a snapshot taken at first use: refresh it.
      await locker.query("SELECT pg_stat_clear_snapshot()");
      const { rows } = await locker.query<{ state: string; wait: string | null; query: string }>(
        `SELECT state, wait_event_type AS wait, query FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND state NOT IN ('idle', 'idle in transaction')`,
      );
      return rows;
    },
    /** Waits until some other backend waits on a lock (the API's statement reached the server). */
    async untilBlocked(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if ((await this.waiting()).some((row) => row.wait === "Lock")) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error("no statement ever waited on the lock");
    },
    async release() {
      await locker.query("COMMIT");
    },
  };
}

/** Written directly: with a 1 s command timeout, setup through a busy machine's API could itself time out. */
async function createSession(capacity = 5): Promise<string> {
  const [row] = await sql<{ id: string }>(
    tdb.directUrl,
    `INSERT INTO sessions (id, host_id, title, starts_at, ends_at, timezone, capacity, updated_at)
     VALUES (gen_random_uuid(), $1, 'Morning yoga', now() + interval '1 day', now() + interval '25 hours',
             'Europe/Berlin', $2, now()) RETURNING id::text`,
    [host.userId, capacity],
  );
  return row!.id;
}

function expectTimeoutAnswer(answer: Awaited<ReturnType<typeof trpc>>) {
  expect([504, 503]).toContain(answer.status);
  expect(answer.body.error?.json?.data?.code).toBe(answer.status === 504 ? "GATEWAY_TIMEOUT" : "SERVICE_UNAVAILABLE");
  expect(answer.body.error?.json?.message).toMatch(/database/i);
  expect(answer.text).not.toMatch(INTERNALS);
}

describe("a statement past the command timeout", () => {
  it("bookings.create blocked on the session's row lock: 504 within ~1 s, cancelled on the server, next request on the instance succeeds", async () => {
    const sessionId = await createSession();
    const user = await userToken();
    const lock = await holdLock("SELECT id FROM sessions WHERE id = $1 FOR UPDATE", [sessionId]);

    const answer = await trpc(api.baseUrl, "mutation", "bookings.create", { sessionId }, user.token);
    expectTimeoutAnswer(answer);
    expect(answer.status).toBe(504);
    expect(answer.ms).toBeGreaterThan(900);
    expect(answer.ms).toBeLessThan(20_000); // the 1 s command timeout, not the 60 s default; a loaded machine adds seconds

    // Cancelled, not still waiting for the lock behind our back.
    expect(await lock.waiting()).toEqual([]);
    await lock.release();
    // Nothing of the cancelled transaction was kept.
    expect(await sql(tdb.directUrl, "SELECT id FROM bookings WHERE session_id = $1", [sessionId])).toEqual([]);

    // Same instance, same single connection: the next request goes through.
    const retry = await trpc(api.baseUrl, "mutation", "bookings.create", { sessionId }, user.token);
    expect(retry.status).toBe(200);
    expect(retry.body.result?.data?.json).toMatchObject({ sessionId, status: "confirmed" });
    const byId = await trpc(api.baseUrl, "query", "sessions.byId", { id: sessionId });
    expect(byId.body.result?.data?.json).toMatchObject({ confirmedCount: 1 });
  });

  it("sessions.list blocked by a table lock (a query outside any transaction): 504, cancelled, then 200", async () => {
    const lock = await holdLock("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE");
    const answer = await trpc(api.baseUrl, "query", "sessions.list", {});
    expectTimeoutAnswer(answer);
    expect(answer.ms).toBeLessThan(20_000); // the 1 s command timeout, not the 60 s default; a loaded machine adds seconds
    expect(await lock.waiting()).toEqual([]);
    await lock.release();
    expect((await trpc(api.baseUrl, "query", "sessions.list", {})).status).toBe(200);
  });

  it("a request queued behind a slow one on the instance's single connection is answered too, and the instance recovers", async () => {
    const sessionId = await createSession();
    const [a, b] = await Promise.all([userToken(), userToken()]);
    const lock = await holdLock("SELECT id FROM sessions WHERE id = $1 FOR UPDATE", [sessionId]);
    const first = trpc(api.baseUrl, "mutation", "bookings.create", { sessionId }, a.token);
    await lock.untilBlocked();
    const second = trpc(api.baseUrl, "mutation", "bookings.create", { sessionId }, b.token);
    const answers = await Promise.all([first, second]);
    for (const answer of answers) {
      expect(answer.status, answer.text).not.toBe(500);
      if (answer.status !== 200) expectTimeoutAnswer(answer);
    }
    expect(answers[0]!.status).toBe(504);
    expect(await lock.waiting()).toEqual([]);
    await lock.release();
    const after = await trpc(api.baseUrl, "mutation", "bookings.create", { sessionId }, a.token);
    expect(after.status).toBe(200);
    const health = await fetch(`${api.baseUrl}/health/db`);
    expect(health.status).toBe(200);
  });
});
