import { randomUUID } from "node:crypto";
import { type ApiProcess, signHs256, spawnApi, sql } from "@s3ssions/testing";
import { apiClient, errorCodeOf } from "./api-client.js";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainApi, JWT_SECRET, sessionInput, startDomainApi } from "./support.js";

// Per-user write limits hold across function instances: two server processes share one
// database (through the pooler) and so one budget per user and action.

const LIMITS = { RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "5", RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "3" };

let ctx: DomainApi;
let second: ApiProcess;

beforeAll(async () => {
  ctx = await startDomainApi("ratelimit", LIMITS);
  second = await spawnApi({
    env: { SUPABASE_DB_URL_TRANSACTION: ctx.tdb.pooledUrl(), SUPABASE_JWT_SECRET: JWT_SECRET, ...LIMITS },
  });
});

afterAll(async () => {
  await second?.stop();
  await ctx?.close();
});

async function rawMutation(baseUrl: string, path: string, token: string, input: unknown) {
  const response = await fetch(`${baseUrl}/api/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(superjson.serialize(input)),
  });
  return { response, body: await response.json() };
}

/** Starts the user's window afresh, as if a minute had passed (no sleeping). */
async function windowPassed(userId: string) {
  await sql(
    ctx.tdb.directUrl,
    "UPDATE rate_limits SET window_start = window_start - interval '60 seconds' WHERE user_id = $1",
    [userId],
  );
}

describe("per-user write rate limit across instances", () => {
  it("sessions.create: 5 per minute over both processes, the 6th is 429 with Retry-After", async () => {
    const userId = randomUUID();
    const token = await signHs256(JWT_SECRET, { sub: userId });
    const onFirst = apiClient(ctx.api.baseUrl, token);
    const onSecond = apiClient(second.baseUrl, token);
    for (let i = 0; i < 5; i++) {
      await (i % 2 ? onSecond : onFirst).sessions.create.mutate(sessionInput({ title: `Limited ${i}` }));
    }

    const { response, body } = await rawMutation(second.baseUrl, "sessions.create", token, sessionInput());
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(body.error.json.data).toMatchObject({ code: "TOO_MANY_REQUESTS", httpStatus: 429 });
    expect(body.error.json.message).toBe(
      `Too many sessions.create requests: at most 5 per 60 s. Retry after ${retryAfter} s.`,
    );
    expect(await errorCodeOf(onFirst.sessions.create.mutate(sessionInput()))).toBe("TOO_MANY_REQUESTS");
    const created = await sql(ctx.tdb.directUrl, "SELECT count(*)::int AS n FROM sessions WHERE host_id = $1", [
      userId,
    ]);
    expect(created).toEqual([{ n: 5 }]);

    // Another user is unaffected, and so is another action of the same user.
    const other = await ctx.as();
    const session = await other.api.sessions.create.mutate(sessionInput());
    expect((await onSecond.bookings.create.mutate({ sessionId: session.id })).status).toBe("confirmed");

    // Reads are not limited.
    expect((await onFirst.sessions.list.query({ hostId: userId })).items).toHaveLength(5);

    // Once the window has passed, writes go through again.
    await windowPassed(userId);
    await onFirst.sessions.create.mutate(sessionInput({ title: "After the window" }));
  });

  it("bookings.create: a repeat that returns the held booking counts too", async () => {
    const host = await ctx.as();
    const session = await host.api.sessions.create.mutate(sessionInput());
    const userId = randomUUID();
    const token = await signHs256(JWT_SECRET, { sub: userId });
    const clients = [apiClient(ctx.api.baseUrl, token), apiClient(second.baseUrl, token)];
    const held = await clients[0]!.bookings.create.mutate({ sessionId: session.id });
    expect(await clients[1]!.bookings.create.mutate({ sessionId: session.id })).toEqual(held);
    expect(await clients[0]!.bookings.create.mutate({ sessionId: session.id })).toEqual(held);
    const { response } = await rawMutation(second.baseUrl, "bookings.create", token, { sessionId: session.id });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);

    await windowPassed(userId);
    expect(await clients[1]!.bookings.create.mutate({ sessionId: session.id })).toEqual(held);
  });

  it("concurrent bursts from both processes let exactly the limit through", async () => {
    const userId = randomUUID();
    const token = await signHs256(JWT_SECRET, { sub: userId });
    const clients = [apiClient(ctx.api.baseUrl, token), apiClient(second.baseUrl, token)];
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        clients[i % 2]!.sessions.create.mutate(sessionInput({ title: `Burst ${i}` })),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    const codes = await Promise.all(
      results.filter((r) => r.status === "rejected").map((r) => errorCodeOf(Promise.reject(r.reason))),
    );
    expect(codes).toEqual(Array(7).fill("TOO_MANY_REQUESTS"));
  });
});
