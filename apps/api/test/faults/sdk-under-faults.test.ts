import { randomUUID } from "node:crypto";
import { createClient, getErrorCode, isS3ssionsError, type S3ssionsClient } from "@s3ssions/client";
import {
  type ApiProcess,
  type FaultProxy,
  POOLER_PORT,
  type TestDatabase,
  createTestDatabase,
  ensurePgBouncer,
  seededFaultPlan,
  sessionInput,
  signHs256,
  spawnApi,
  sql,
  startFaultProxy,
} from "@s3ssions/testing";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { JWT_SECRET } from "../support.js";
import { counterDrift, doubleBookings, faultsOver, UNLIMITED_WRITES_ENV } from "./fault-mix.js";

// The SDK as apps use it, on a bad network: every connection has a one-in-five chance of a
// fault (its answer lost after the server committed, reset mid-answer, refused,
// blackholed, slowed), first between the SDK and the API, then between the API and
// PgBouncer. 20 users make 200 sessions.create, 500 bookings.create and 200
// bookings.cancel through the SDK's own retries and idempotency keys. What must hold:
// every call ends resolved or with the SDK's typed error within its timeoutMs, each
// resolved create made exactly one session (and no create made two), the counters equal
// the bookings table, nobody holds two active bookings in a session.

const USERS = 20;
const CREATES_PER_USER = 10;
const BOOKINGS_PER_USER = 25;
const CANCELS_PER_USER = 10;
const TIMEOUT_MS = 25_000;
/** A call may end a little after its deadline: the timer's turn of the event loop. */
const DEADLINE_SLACK_MS = 1_000;



// One HTTP request per connection, so that every call draws its own fault (a kept-alive
// connection would carry many calls past one draw).
const oneRequestPerConnection = new Agent({ pipelining: 0 });
const freshConnectionFetch = (url: string, init?: RequestInit) =>
  undiciFetch(url, { ...(init as object), dispatcher: oneRequestPerConnection }) as unknown as Promise<Response>;

interface Call {
  procedure: "sessions.create" | "bookings.create" | "bookings.cancel";
  userId: string;
  ms: number;
  ok: boolean;
  data?: { id: string; sessionId?: string };
  code?: string | null;
  title?: string;
}

async function timed<T extends { id: string }>(
  call: Omit<Call, "ms" | "ok">,
  run: () => Promise<T>,
  calls: Call[],
): Promise<T | undefined> {
  const started = performance.now();
  try {
    const data = await run();
    calls.push({ ...call, ms: performance.now() - started, ok: true, data });
    return data;
  } catch (error) {
    // Every failure is the SDK's own error, with a code when the server (or a gateway) answered.
    if (!isS3ssionsError(error)) throw error;
    calls.push({ ...call, ms: performance.now() - started, ok: false, code: getErrorCode(error) });
    return undefined;
  }
}

async function workload(clientFor: (token: string) => S3ssionsClient): Promise<Call[]> {
  const calls: Call[] = [];
  const users = await Promise.all(
    Array.from({ length: USERS }, async () => {
      const id = randomUUID();
      return { id, client: clientFor(await signHs256(JWT_SECRET, { sub: id })) };
    }),
  );
  const sessions: string[] = [];
  await Promise.all(
    users.map(async (user) => {
      for (let i = 0; i < CREATES_PER_USER; i++) {
        const title = `faulty-${randomUUID()}`;
        const input = sessionInput({ title, capacity: 3 + (i % 5) });
        const created = await timed(
          { procedure: "sessions.create", userId: user.id, title },
          () => user.client.sessions.create.mutate(input as never),
          calls,
        );
        if (created) sessions.push(created.id);
      }
    }),
  );
  await Promise.all(
    users.map(async (user, u) => {
      const held: string[] = [];
      for (let i = 0; i < BOOKINGS_PER_USER; i++) {
        const sessionId = sessions[(u * 7 + i * 13) % sessions.length]!;
        const booking = await timed(
          { procedure: "bookings.create", userId: user.id },
          () => user.client.bookings.create.mutate({ sessionId }),
          calls,
        );
        if (booking && !held.includes(booking.id)) held.push(booking.id);
      }
      for (let i = 0; i < CANCELS_PER_USER; i++) {
        const id = held[i % Math.max(1, held.length)] ?? randomUUID();
        await timed({ procedure: "bookings.cancel", userId: user.id }, () => user.client.bookings.cancel.mutate({ id }), calls);
      }
    }),
  );
  return calls;
}

async function assertInvariants(tdb: TestDatabase, calls: Call[], proxy: FaultProxy, minFaults: number) {
  const count = (procedure: Call["procedure"]) => calls.filter((call) => call.procedure === procedure).length;
  expect([count("sessions.create"), count("bookings.create"), count("bookings.cancel")]).toEqual([
    USERS * CREATES_PER_USER,
    USERS * BOOKINGS_PER_USER,
    USERS * CANCELS_PER_USER,
  ]);
  const fired = Object.values(proxy.stats.fired).reduce((n, k) => n + k, 0);
  const codes: Record<string, number> = {};
  for (const call of calls.filter((c) => !c.ok)) codes[String(call.code)] = (codes[String(call.code)] ?? 0) + 1;
  const slowest = Math.max(...calls.map((call) => call.ms));
  console.log(
    `SDK under faults: ${JSON.stringify({ calls: calls.length, failed: codes, fired: proxy.stats.fired, connections: proxy.stats.connections, slowestMs: Math.round(slowest) })}`,
  );
  // The faults were real; each call ended within its life.
  expect(fired).toBeGreaterThanOrEqual(minFaults);
  expect(calls.filter((call) => call.ms > TIMEOUT_MS + DEADLINE_SLACK_MS)).toEqual([]);

  // Exactly one session per resolved create; a create that failed made at most one.
  const titles = calls.filter((call) => call.procedure === "sessions.create").map((call) => call.title!);
  const rows = await sql<{ id: string; title: string }>(
    tdb.directUrl,
    "SELECT id::text, title FROM sessions WHERE title = ANY($1)",
    [titles],
  );
  const byTitle = new Map<string, string[]>();
  for (const row of rows) byTitle.set(row.title, [...(byTitle.get(row.title) ?? []), row.id]);
  for (const call of calls.filter((c) => c.procedure === "sessions.create")) {
    const ids = byTitle.get(call.title!) ?? [];
    if (call.ok) expect(ids, call.title).toEqual([call.data!.id]);
    else expect(ids.length, call.title).toBeLessThanOrEqual(1);
  }
  // A resolved cancel left its booking cancelled.
  for (const call of calls.filter((c) => c.procedure === "bookings.cancel" && c.ok)) {
    const [row] = await sql<{ status: string }>(tdb.directUrl, "SELECT status::text FROM bookings WHERE id = $1", [
      call.data!.id,
    ]);
    expect(row?.status).toBe("cancelled");
  }
  expect(await counterDrift(tdb)).toEqual([]);
  expect(await doubleBookings(tdb)).toEqual([]);
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("the SDK's retries under random faults", { timeout: 240_000 }, () => {
  it("on the SDK↔API link", async () => {
    await ensurePgBouncer();
    const tdb = await createTestDatabase("sdk_client_faults");
    cleanups.push(() => tdb.drop());
    const api: ApiProcess = await spawnApi({ env: { ...UNLIMITED_WRITES_ENV, SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl() } });
    cleanups.push(() => api.stop());
    const port = Number(new URL(api.baseUrl).port);
    const proxy = await startFaultProxy({ target: { host: "127.0.0.1", port } });
    cleanups.push(() => proxy.close());
    proxy.setPlan(seededFaultPlan({ seed: 7, rate: 0.2, faults: faultsOver(1, 500, 100) }));
    const calls = await workload((token) =>
      createClient({
        url: `http://127.0.0.1:${proxy.port}`,
        getAccessToken: () => token,
        fetch: freshConnectionFetch,
        timeoutMs: TIMEOUT_MS,
        retry: { attempts: 5, baseDelayMs: 50 },
      }),
    );
    proxy.setPlan(() => null);
    // A connection a call: about one in five of ~900 is faulty.
    await assertInvariants(tdb, calls, proxy, 100);
  });

  it("on the API↔PgBouncer link", async () => {
    await ensurePgBouncer();
    const tdb = await createTestDatabase("sdk_pooler_faults");
    cleanups.push(() => tdb.drop());
    // The API's pooled connection is closed whenever it goes idle, so each transaction or so
    // opens a new one and draws from the plan, however fast or busy the machine is.
    const proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: POOLER_PORT }, closeIdlePgAfterMs: 0 });
    cleanups.push(() => proxy.close());
    // Short database timeouts: a blackholed connect or a dead statement ends in a second or two.
    const url = new URL(tdb.pooledUrl({ pgbouncer: true, connection_limit: 1, connect_timeout: 1, socket_timeout: 1 }));
    url.port = String(proxy.port);
    const api: ApiProcess = await spawnApi({ env: { ...UNLIMITED_WRITES_ENV, SUPABASE_DB_URL_TRANSACTION: url.toString() }, timeoutMs: 60_000 });
    cleanups.push(() => api.stop());
    proxy.setPlan(seededFaultPlan({ seed: 11, rate: 0.2, faults: faultsOver(3, 500, 100) }));
    const calls = await workload((token) =>
      createClient({
        url: api.baseUrl,
        getAccessToken: () => token,
        timeoutMs: TIMEOUT_MS,
        retry: { attempts: 5, baseDelayMs: 50 },
      }),
    );
    proxy.setPlan(() => null);
    await assertInvariants(tdb, calls, proxy, 50);
  });
});
