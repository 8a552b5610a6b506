import { randomUUID } from "node:crypto";
import { type ApiProcess, signHs256, spawnApi, sql } from "@s3ssions/testing";
import { apiClient } from "../api-client.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainApi, JWT_SECRET, sessionInput, startDomainApi } from "../support.js";

const INSTANCES = 10;
const BOOKINGS = 200;
const CAPACITY = 50;

let ctx: DomainApi;
const instances: ApiProcess[] = [];

beforeAll(async () => {
  // Every booking past the capacity waits: the waitlist is made long enough to hold them all.
  ctx = await startDomainApi("capacity", { WAITLIST_MAX: String(BOOKINGS) });
  // Separate processes, each one connection through the pooler: function instances.
  const started = await Promise.all(
    Array.from({ length: INSTANCES }, () =>
      spawnApi({
        env: {
          // 400 bookings queue on one session's lock, 40 per instance behind one connection:
          // on a loaded machine the last waits longer than the 15 s default pool timeout.
          // This test is about capacity; the timeouts have tests of their own.
          SUPABASE_DB_URL_TRANSACTION: ctx.tdb.pooledUrl({ pgbouncer: true, connection_limit: 1, pool_timeout: 150 }),
          SUPABASE_JWT_SECRET: JWT_SECRET,
          WAITLIST_MAX: String(BOOKINGS),
        },
        timeoutMs: 60_000,
      }),
    ),
  );
  instances.push(...started);
}, 120_000);

afterAll(async () => {
  await Promise.all(instances.map((api) => api.stop()));
  await ctx?.close();
});

describe("capacity under concurrency", () => {
  it(`${BOOKINGS} simultaneous bookings from ${INSTANCES} instances on capacity ${CAPACITY}: exactly ${CAPACITY} confirmed`, async () => {
    const host = await ctx.as();
    const session = await host.api.sessions.create.mutate(sessionInput({ capacity: CAPACITY }));
    const users = Array.from({ length: BOOKINGS }, () => randomUUID());
    const clients = await Promise.all(
      users.map(async (userId, i) =>
        apiClient(instances[i % INSTANCES]!.baseUrl, await signHs256(JWT_SECRET, { sub: userId })),
      ),
    );
    // Every user also books twice at once: still one active booking each.
    const results = await Promise.all(
      clients.flatMap((client) => [
        client.bookings.create.mutate({ sessionId: session.id }),
        client.bookings.create.mutate({ sessionId: session.id }),
      ]),
    );
    const perUser = new Map<string, Set<string>>();
    for (const booking of results) {
      const ids = perUser.get(booking.userId) ?? new Set();
      ids.add(booking.id);
      perUser.set(booking.userId, ids);
    }
    expect(perUser.size).toBe(BOOKINGS);
    expect([...perUser.values()].every((ids) => ids.size === 1)).toBe(true);

    const counts = await sql<{ status: string; n: number }>(
      ctx.tdb.directUrl,
      "SELECT status::text, count(*)::int AS n FROM bookings WHERE session_id = $1 GROUP BY status",
      [session.id],
    );
    expect(Object.fromEntries(counts.map((r) => [r.status, r.n]))).toEqual({
      confirmed: CAPACITY,
      waitlisted: BOOKINGS - CAPACITY,
    });
    expect(await ctx.anonymous.sessions.byId.query({ id: session.id })).toMatchObject({
      confirmedCount: CAPACITY,
      waitlistCount: BOOKINGS - CAPACITY,
      seatsLeft: 0,
    });
  }, 180_000);
});

describe("one user booking twice at the same moment on two instances", () => {
  it("both calls answer 200 with the same booking (the loser of the race returns the winner's)", async () => {
    const host = await ctx.as();
    const session = await host.api.sessions.create.mutate(sessionInput({ capacity: 5 }));
    const token = await signHs256(JWT_SECRET, { sub: randomUUID() });
    const [first, second] = [instances[0]!, instances[1]!].map((api) => apiClient(api.baseUrl, token));
    // Hold the session's lock so that both requests queue behind it, then let them race.
    const { default: pg } = await import("pg");
    const blocker = new pg.Client({ connectionString: ctx.tdb.directUrl });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE", [session.id]);
      const racing = Promise.all([
        first!.bookings.create.mutate({ sessionId: session.id }),
        second!.bookings.create.mutate({ sessionId: session.id }),
      ]);
      await new Promise((r) => setTimeout(r, 500));
      await blocker.query("COMMIT");
      const [a, b] = await racing;
      expect(b.id).toBe(a.id);
    } finally {
      await blocker.end();
    }
    expect(await ctx.anonymous.sessions.byId.query({ id: session.id })).toMatchObject({ confirmedCount: 1 });
  });
});
