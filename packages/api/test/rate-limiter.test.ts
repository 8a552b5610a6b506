import { randomUUID } from "node:crypto";
import { createDatabase, type Database } from "@s3ssions/db";
import { createTestDatabase, ensurePgBouncer, sql, type TestDatabase } from "@s3ssions/testing";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../src/env.js";
import {
  countAttempt,
  enforceRateLimit,
  pruneRateLimits,
  RATE_LIMIT_PRUNE_AFTER_SECONDS,
  RATE_LIMIT_WINDOW_SECONDS,
  RateLimitExceededError,
  type RateLimitedAction,
  retryAfterSecondsOf,
} from "../src/rate-limit/index.js";

// The rate limiter against the real thing: Postgres behind PgBouncer in transaction mode,
// each "instance" its own one-connection pool, as a function instance has.

let tdb: TestDatabase;
const opened: Database[] = [];

function instance(): Database {
  const db = createDatabase({ url: tdb.pooledUrl({ pgbouncer: true, connection_limit: 1 }) });
  opened.push(db);
  return db;
}

function context(db: Database, userId: string, limits: Record<string, string> = {}) {
  const background: Promise<unknown>[] = [];
  const logs: string[] = [];
  const env = parseEnv({ APP_ENV: "test", SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(), ...limits });
  return {
    background,
    logs,
    ctx: {
      env,
      db,
      user: { id: userId, email: null, role: "authenticated" as const, sessionId: null, isAnonymous: false },
      waitUntil: (promise: Promise<unknown>) => void background.push(promise),
      logger: { log: (_level: string, message: string) => void logs.push(message) },
      background: { db },
    },
  };
}

/** Moves a counter's window into the past, as if `seconds` had gone by. */
async function age(userId: string, action: string, seconds: number) {
  await sql(
    tdb.directUrl,
    "UPDATE rate_limits SET window_start = window_start - make_interval(secs => $3) WHERE user_id = $1 AND action = $2",
    [userId, action, seconds],
  );
}

async function outcome(call: Promise<unknown>): Promise<"ok" | RateLimitExceededError> {
  try {
    await call;
    return "ok";
  } catch (error) {
    if (
      error instanceof TRPCError &&
      error.code === "TOO_MANY_REQUESTS" &&
      error.cause instanceof RateLimitExceededError
    ) {
      return error.cause;
    }
    throw error;
  }
}

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("ratelimit");
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await tdb?.drop();
});

describe("env", () => {
  it("defaults to 20 sessions and 60 bookings per user per minute; 0 disables; junk is refused", () => {
    const base = { APP_ENV: "test", SUPABASE_DB_URL_TRANSACTION: "postgresql://u@h:6543/db" };
    const env = parseEnv(base);
    expect(env.RATE_LIMIT_SESSIONS_CREATE_PER_MIN).toBe(20);
    expect(env.RATE_LIMIT_BOOKINGS_CREATE_PER_MIN).toBe(60);
    expect(
      parseEnv({ ...base, RATE_LIMIT_SESSIONS_CREATE_PER_MIN: " 5 ", RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0" }),
    ).toMatchObject({ RATE_LIMIT_SESSIONS_CREATE_PER_MIN: 5, RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: 0 });
    expect(parseEnv({ ...base, RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "" }).RATE_LIMIT_SESSIONS_CREATE_PER_MIN).toBe(20);
    for (const bad of ["-1", "1.5", "ten", "1e3", "99999999"]) {
      expect(() => parseEnv({ ...base, RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: bad })).toThrow(EnvError);
    }
  });
});

describe("countAttempt", () => {
  it("counts attempts in one window per (user, action) and reports when it resets", async () => {
    const db = instance();
    const user = randomUUID();
    const counts = [];
    for (let i = 0; i < 3; i++) counts.push(await countAttempt(db, user, "sessions.create", 60));
    expect(counts.map((c) => c.hits)).toEqual([1, 2, 3]);
    expect(counts.every((c) => c.resetsInSeconds >= 59 && c.resetsInSeconds <= 60)).toBe(true);
    expect((await countAttempt(db, user, "bookings.create", 60)).hits).toBe(1);
    expect((await countAttempt(db, randomUUID(), "sessions.create", 60)).hits).toBe(1);

    await age(user, "sessions.create", 45);
    const later = await countAttempt(db, user, "sessions.create", 60);
    expect(later.hits).toBe(4);
    expect(later.resetsInSeconds).toBeGreaterThanOrEqual(14);
    expect(later.resetsInSeconds).toBeLessThanOrEqual(15);

    await age(user, "sessions.create", 15);
    expect(await countAttempt(db, user, "sessions.create", 60)).toEqual({ hits: 1, resetsInSeconds: 60 });
    expect(await sql(tdb.directUrl, "SELECT count(*)::int AS n FROM rate_limits WHERE user_id = $1", [user])).toEqual([
      { n: 2 },
    ]);
  });

  it("is exact under concurrency: 8 instances × 25 attempts at once count 1..200, each once", async () => {
    const instances = Array.from({ length: 8 }, instance);
    const user = randomUUID();
    const results = await Promise.all(
      instances.flatMap((db) => Array.from({ length: 25 }, () => countAttempt(db, user, "bookings.create", 60))),
    );
    expect(results.map((r) => r.hits).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });
});

describe("enforceRateLimit", () => {
  it("allows `limit` writes per window across instances, then throws a typed 429 with a retry hint", async () => {
    const [a, b] = [instance(), instance()];
    const user = randomUUID();
    const limits = { RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "5", RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "3" };
    const onA = context(a, user, limits).ctx;
    const onB = context(b, user, limits).ctx;
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await outcome(enforceRateLimit(i % 2 ? onB : onA, "sessions.create")));
    expect(results).toEqual(["ok", "ok", "ok", "ok", "ok"]);

    const denied = await outcome(enforceRateLimit(onB, "sessions.create"));
    expect(denied).toBeInstanceOf(RateLimitExceededError);
    const error = denied as RateLimitExceededError;
    expect(error).toMatchObject({ action: "sessions.create", limit: 5, windowSeconds: RATE_LIMIT_WINDOW_SECONDS });
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(error.message).toMatch(/^Too many sessions\.create requests: at most 5 per 60 s\. Retry after \d+ s\.$/);
    expect(retryAfterSecondsOf(new TRPCError({ code: "TOO_MANY_REQUESTS", cause: error }))).toBe(
      error.retryAfterSeconds,
    );
    expect(retryAfterSecondsOf(new TRPCError({ code: "BAD_REQUEST" }))).toBeUndefined();

    // Another action and another user have budgets of their own.
    expect(await outcome(enforceRateLimit(onA, "bookings.create"))).toBe("ok");
    expect(await outcome(enforceRateLimit(context(a, randomUUID(), limits).ctx, "sessions.create"))).toBe("ok");

    // When the window has passed, writes go through again.
    await age(user, "sessions.create", RATE_LIMIT_WINDOW_SECONDS);
    expect(await outcome(enforceRateLimit(onA, "sessions.create"))).toBe("ok");
  });

  it("0 disables the limit and touches no row", async () => {
    const user = randomUUID();
    const { ctx } = context(instance(), user, { RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0" });
    for (let i = 0; i < 100; i++) await enforceRateLimit(ctx, "bookings.create");
    expect(await sql(tdb.directUrl, "SELECT 1 FROM rate_limits WHERE user_id = $1", [user])).toEqual([]);
  });

  it("now and then prunes stale counters after the response (waitUntil)", async () => {
    const db = instance();
    const { ctx, background } = context(db, randomUUID());
    await enforceRateLimit(ctx, "bookings.create", { random: () => 0.5 });
    expect(background).toHaveLength(0);
    await enforceRateLimit(ctx, "bookings.create", { random: () => 0 });
    expect(background).toHaveLength(1);
    await Promise.all(background);
  });
});

describe("pruneRateLimits", () => {
  it("deletes counters whose window is long past, in bounded batches, and keeps the rest", async () => {
    const db = instance();
    const stale = Array.from({ length: 5 }, () => randomUUID());
    const fresh = randomUUID();
    const actions: RateLimitedAction[] = ["sessions.create", "bookings.create"];
    for (const user of [...stale, fresh]) for (const action of actions) await countAttempt(db, user, action, 60);
    for (const user of stale) for (const action of actions) await age(user, action, RATE_LIMIT_PRUNE_AFTER_SECONDS + 5);

    const ours = [...stale, fresh];
    const left = async () =>
      (
        await sql<{ n: number }>(
          tdb.directUrl,
          "SELECT count(*)::int AS n FROM rate_limits WHERE user_id = ANY($1::uuid[])",
          [ours],
        )
      )[0]!.n;
    expect(await left()).toBe(12);
    expect(await pruneRateLimits(db, { olderThanSeconds: RATE_LIMIT_PRUNE_AFTER_SECONDS, batch: 4 })).toBe(4);
    expect(await left()).toBe(8);
    await pruneRateLimits(db, { olderThanSeconds: RATE_LIMIT_PRUNE_AFTER_SECONDS });
    expect(await left()).toBe(2);
    const kept = await sql(tdb.directUrl, "SELECT user_id::text FROM rate_limits WHERE user_id = ANY($1::uuid[])", [
      ours,
    ]);
    expect(kept).toEqual([{ user_id: fresh }, { user_id: fresh }]);
  });
});
