import { once } from "node:events";
import { type Socket, connect } from "node:net";
import {
  type ApiProcess,
  type Receiver,
  type TestDatabase,
  callTrpc,
  createTestDatabase,
  ensurePgBouncer,
  spawnApi,
  sql,
  startReceiver,
  trpcData,
} from "@s3ssions/testing";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JWT_SECRET, sessionInput, userToken } from "./support.js";

// SIGTERM on the local server: no new connections, the request in flight finishes, the
// webhook it handed to waitUntil is delivered, the database closes, exit 0. A second
// signal changes nothing; a shutdown that cannot finish ends after the grace period.

const WEBHOOK_SECRET = `whsec_${Buffer.from("shutdown-test-signing-key-012345").toString("base64")}`;
const WEBHOOK_DELAY_MS = 1_500;

let tdb: TestDatabase;
let receiver: Receiver;
const running: ApiProcess[] = [];
const lockers: pg.Client[] = [];

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("shutdown");
  receiver = await startReceiver();
});

afterEach(async () => {
  for (const locker of lockers.splice(0)) {
    await locker.query("ROLLBACK").catch(() => {});
    await locker.end().catch(() => {});
  }
  await Promise.all(running.splice(0).map((api) => api.stop("SIGKILL")));
  receiver.reset();
});

afterAll(async () => {
  await receiver?.close();
  await tdb?.drop();
});

async function start(env: Record<string, string> = {}) {
  const api = await spawnApi({
    env: {
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
      SUPABASE_JWT_SECRET: JWT_SECRET,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET,
      RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
      RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "0",
      ...env,
    },
  });
  running.push(api);
  const exit = once(api.child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
    at: performance.now(),
  }));
  return { api, exit, port: Number(new URL(api.baseUrl).port) };
}

async function createSession(baseUrl: string): Promise<string> {
  const host = await userToken();
  const answer = await callTrpc(baseUrl, "mutation", "sessions.create", sessionInput({ capacity: 3 }), host.token);
  expect(answer.status, answer.text).toBe(200);
  return String(trpcData(answer)?.id);
}

/** Holds the session's row lock from a direct connection; resolves once the API's statement waits on it. */
async function holdLock(sessionId: string) {
  const locker = new pg.Client({ connectionString: tdb.directUrl });
  locker.on("error", () => {});
  await locker.connect();
  lockers.push(locker);
  await locker.query("BEGIN");
  await locker.query("SELECT id FROM sessions WHERE id = $1 FOR UPDATE", [sessionId]);
  return {
    /** Resolves once `waiters` statements (the API's among them) wait on a lock in this database. */
    async untilWaitedOn(waiters = 1) {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        await locker.query("SELECT pg_stat_clear_snapshot()");
        const { rows } = await locker.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
             AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
        );
        if (rows.length >= waiters) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${waiters} statement(s) of the API never waited on the lock`);
    },
    release: () => locker.query("COMMIT"),
  };
}

/** Resolves with how a fresh TCP connection to `port` went. */
function tryConnect(port: number): Promise<"connected" | "refused" | string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "ECONNREFUSED" ? "refused" : String(error.code)),
    );
  });
}

async function untilRefused(port: number): Promise<string> {
  const deadline = Date.now() + 5_000;
  let last = "";
  while (Date.now() < deadline) {
    last = await tryConnect(port);
    if (last === "refused") return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  return last;
}

/** A raw HTTP/1.1 connection that has sent `head` (and maybe part of a body) and will hang up. */
async function openRequest(port: number, head: string): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  await once(socket, "connect");
  socket.write(head);
  return socket;
}

function bookingRequest(sessionId: string, token: string): string {
  const body = JSON.stringify({ json: { sessionId } });
  return (
    "POST /api/trpc/bookings.create HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
    `authorization: Bearer ${token}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

const logged = (api: ApiProcess, msg: string) => api.output.filter((line) => line.includes(`"msg":"${msg}"`));

describe("graceful shutdown of the local server", () => {
  it("SIGTERM: refuses new connections, finishes the request in flight with 200, delivers its webhook, exits 0; a second SIGTERM and a SIGINT change nothing", async () => {
    receiver.delayMs = WEBHOOK_DELAY_MS;
    const { api, exit, port } = await start();
    const sessionId = await createSession(api.baseUrl);
    const user = await userToken();
    const lock = await holdLock(sessionId);

    const inFlight = callTrpc(api.baseUrl, "mutation", "bookings.create", { sessionId }, user.token);
    await lock.untilWaitedOn();

    api.child.kill("SIGTERM");
    expect(await untilRefused(port)).toBe("refused");
    // More signals while draining: logged, nothing else.
    api.child.kill("SIGTERM");
    api.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    expect(api.child.exitCode).toBeNull();
    expect(api.child.signalCode).toBeNull();

    await lock.release();
    const answer = await inFlight;
    expect(answer.status, answer.text).toBe(200);
    const booking = trpcData<{ id: string; status: string }>(answer)!;
    expect(booking.status).toBe("confirmed");

    const exited = await exit;
    expect(exited).toMatchObject({ code: 0, signal: null });
    // The webhook for that booking reached the receiver, and the process waited for its answer.
    const delivery = receiver.requests.find((r) => JSON.parse(r.body).data?.booking?.id === booking.id);
    expect(delivery, "webhook delivered before exit").toBeDefined();
    expect(JSON.parse(delivery!.body).type).toBe("booking.confirmed");
    const [task] = await sql<{ status: string; attempts: number }>(
      tdb.directUrl,
      "SELECT status::text, attempts FROM tasks WHERE payload -> 'booking' ->> 'id' = $1",
      [booking.id],
    );
    // Recorded as done before the database closed: the cron drain will not send it again.
    expect(task).toEqual({ status: "done", attempts: 1 });

    expect(logged(api, "shutting down")).toHaveLength(1);
    expect(logged(api, "signal during shutdown: still draining").length).toBeGreaterThanOrEqual(2);
    expect(logged(api, "stopped")).toHaveLength(1);
    expect(logged(api, "shutdown grace period over: forcing exit")).toHaveLength(0);
  });

  it("a shutdown that cannot finish ends at SHUTDOWN_GRACE_MS with exit 1 and a log line; nothing half-written remains", async () => {
    const { api, exit } = await start({ SHUTDOWN_GRACE_MS: "1500" });
    const sessionId = await createSession(api.baseUrl);
    const user = await userToken();
    const lock = await holdLock(sessionId);
    const inFlight = callTrpc(api.baseUrl, "mutation", "bookings.create", { sessionId }, user.token);
    await lock.untilWaitedOn();

    const signalled = performance.now();
    api.child.kill("SIGTERM");
    const exited = await exit;
    expect(exited).toMatchObject({ code: 1, signal: null });
    expect(exited.at - signalled).toBeGreaterThan(1_400);
    expect(exited.at - signalled).toBeLessThan(10_000);
    const forced = logged(api, "shutdown grace period over: forcing exit");
    expect(forced).toHaveLength(1);
    expect(JSON.parse(forced[0]!)).toMatchObject({ inFlight: 1, graceMs: 1500 });
    expect((await inFlight).status).toBe(0); // the connection closed without an answer

    // The unfinished transaction never committed: no booking, counters untouched.
    await lock.release();
    await new Promise((r) => setTimeout(r, 200));
    expect(await sql(tdb.directUrl, "SELECT id FROM bookings WHERE session_id = $1", [sessionId])).toEqual([]);
    const [session] = await sql<{ confirmed_count: number }>(
      tdb.directUrl,
      "SELECT confirmed_count FROM sessions WHERE id = $1",
      [sessionId],
    );
    expect(session?.confirmed_count).toBe(0);
  });

  it("clients that hang up mid-body or before their answer leave nothing in flight: SIGTERM drains, closes the database, exits 0", async () => {
    const HELD = 3;
    const { api, exit, port } = await start({
      // One connection per held booking, so that each waits on its own lock in Postgres.
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl({ pgbouncer: true, connection_limit: HELD }),
      SHUTDOWN_GRACE_MS: "15000",
    });
    const sessionIds = await Promise.all(Array.from({ length: HELD }, () => createSession(api.baseUrl)));
    const locks = await Promise.all(sessionIds.map(holdLock));
    // Mid-body: a body announced at 1000 bytes, 9 of them sent.
    const midBody = await Promise.all(
      Array.from({ length: 4 }, () =>
        openRequest(
          port,
          'POST /api/trpc/sessions.create HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"json":{',
        ),
      ),
    );
    // Before the answer: each booking waits on its session's lock while its client hangs up.
    const users = await Promise.all(sessionIds.map(() => userToken()));
    const midResponse = await Promise.all(
      sessionIds.map((id, i) => openRequest(port, bookingRequest(id, users[i]!.token))),
    );
    await locks[0]!.untilWaitedOn(HELD);
    for (const socket of [...midBody, ...midResponse]) socket.destroy();
    for (const lock of locks) await lock.release();
    // The bookings commit after their clients are gone; their answers go nowhere.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const [row] = await sql<{ n: number }>(
        tdb.directUrl,
        "SELECT count(*)::int AS n FROM bookings WHERE session_id = ANY($1::uuid[])",
        [sessionIds],
      );
      if (row?.n === HELD) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    api.child.kill("SIGTERM");
    expect(await exit).toMatchObject({ code: 0, signal: null });
    expect(logged(api, "requests drained")).toHaveLength(1);
    // Logged after the database closed.
    expect(logged(api, "stopped")).toHaveLength(1);
    expect(logged(api, "shutdown grace period over: forcing exit")).toHaveLength(0);
  });

  it("an idle server stops at once on SIGINT with exit 0", async () => {
    const { api, exit } = await start();
    expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);
    api.child.kill("SIGINT");
    expect(await exit).toMatchObject({ code: 0, signal: null });
    expect(logged(api, "stopped")).toHaveLength(1);
  });
});
