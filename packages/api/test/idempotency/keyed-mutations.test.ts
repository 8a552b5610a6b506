import { randomUUID } from "node:crypto";
import { createDatabase, type Database } from "@s3ssions/db";
import { sql } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createCallerFactory, createContext } from "../../src/index.js";
import { errorCodeOf, failure, type Procedures, sessionInput, startProcedures, until } from "../routers/procedures.js";

// Mutations under an Idempotency-Key, called in-process on the real database through
// PgBouncer: a retry replays the first outcome, a different request under the key is 422,
// a key still running is 409, and only what committed (or a typed 4xx) is kept.

let p: Procedures;
/** A second instance's database handle: with one connection per instance, a blocked change holds the first's. */
let otherInstance: Database;
beforeAll(async () => {
  p = await startProcedures("idempotency");
  otherInstance = createDatabase({ url: p.tdb.pooledUrl() });
});
afterAll(async () => {
  await otherInstance?.close();
  await p?.close();
});

const createCaller = createCallerFactory(appRouter);

/** A caller signed in as `user` whose every call carries `Idempotency-Key: key`, on `db` (the test's by default). */
function keyed(user: { token: string }, key: string, db: Database = p.db) {
  const headers = new Headers({ authorization: `Bearer ${user.token}`, "idempotency-key": key });
  return createCaller(createContext({ ...p.runtime, db }, { requestId: randomUUID(), headers }));
}

async function keyRow(userId: string, key: string) {
  const rows = await sql<{ status: string; path: string }>(
    p.tdb.directUrl,
    "SELECT status::text, path FROM idempotency_keys WHERE user_id = $1 AND key = $2",
    [userId, key],
  );
  return rows[0] ?? null;
}

async function sessionsOf(hostId: string): Promise<number> {
  const rows = await sql<{ n: number }>(p.tdb.directUrl, "SELECT count(*)::int AS n FROM sessions WHERE host_id = $1", [
    hostId,
  ]);
  return rows[0]!.n;
}

describe("replay", () => {
  it("sessions.create retried with its key returns the first session; one row, key succeeded", async () => {
    const host = await p.as();
    const input = sessionInput();
    const first = await keyed(host, "create-1").sessions.create(input);
    const again = await keyed(host, "create-1").sessions.create(input);
    expect(again).toEqual(first);
    expect(await sessionsOf(host.userId)).toBe(1);
    expect(await keyRow(host.userId, "create-1")).toEqual({ status: "succeeded", path: "sessions.create" });
    // Without a key, the same call is a second session: the key is what makes it one.
    await host.api.sessions.create(input);
    expect(await sessionsOf(host.userId)).toBe(2);
  });

  it("the same input with its fields in another order is the same request", async () => {
    const host = await p.as();
    const input = sessionInput();
    const reordered = Object.fromEntries(Object.entries(input).reverse()) as typeof input;
    const first = await keyed(host, "order").sessions.create(input);
    expect(await keyed(host, "order").sessions.create(reordered)).toEqual(first);
  });

  it("bookings.create and bookings.cancel replay their first answer without running again", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 1 }));
    const guest = await p.as();
    const booked = await keyed(guest, "book").bookings.create({ sessionId: s.id });
    const cancelled = await keyed(guest, "cancel").bookings.cancel({ id: booked.id });
    // A new booking after the cancel: a re-run of "book" would return it, a replay the first.
    const rebooked = await guest.api.bookings.create({ sessionId: s.id });
    expect(rebooked.id).not.toBe(booked.id);
    expect(await keyed(guest, "book").bookings.create({ sessionId: s.id })).toEqual(booked);
    expect(await keyed(guest, "cancel").bookings.cancel({ id: booked.id })).toEqual(cancelled);
    expect((await guest.api.bookings.mine()).items.map((b) => b.status)).toEqual(["confirmed", "cancelled"]);
  });

  it("a typed error is replayed: the same code and message, though the call would now succeed", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 2 }));
    const guests = [await p.as(), await p.as()];
    const bookings = await Promise.all(guests.map((g) => g.api.bookings.create({ sessionId: s.id })));
    const shrink = () => keyed(host, "shrink").sessions.update({ id: s.id, capacity: 1 });
    const first = await failure(shrink());
    expect(first.data.code).toBe("CONFLICT");
    expect(await keyRow(host.userId, "shrink")).toMatchObject({ status: "failed" });

    await guests[0]!.api.bookings.cancel({ id: bookings[0]!.id });
    const replayed = await failure(shrink());
    expect({ code: replayed.data.code, message: replayed.message }).toEqual({
      code: first.data.code,
      message: first.message,
    });
    expect((await p.anonymous.sessions.byId({ id: s.id })).capacity).toBe(2);
    // Invalid input is a typed error too: replayed with the same field issues.
    const tooSmall = { ...sessionInput(), capacity: 0 };
    const invalid = await failure(keyed(host, "bad-input").sessions.create(tooSmall));
    const again = await failure(keyed(host, "bad-input").sessions.create(tooSmall));
    expect(invalid.data.code).toBe("BAD_REQUEST");
    expect(again.data.zodError).toEqual(invalid.data.zodError);
    expect(again.message).toBe(invalid.message);
  });
});

describe("a key names one request", () => {
  it("the same key with another input or another procedure: 422, and nothing runs", async () => {
    const host = await p.as();
    const s = await keyed(host, "k").sessions.create(sessionInput({ title: "First" }));
    expect(await errorCodeOf(keyed(host, "k").sessions.create(sessionInput({ title: "Second" })))).toBe(
      "UNPROCESSABLE_CONTENT",
    );
    expect(await errorCodeOf(keyed(host, "k").sessions.cancel({ id: s.id }))).toBe("UNPROCESSABLE_CONTENT");
    expect(await sessionsOf(host.userId)).toBe(1);
    expect((await p.anonymous.sessions.byId({ id: s.id })).status).toBe("scheduled");
  });

  it("another user's key replays nothing: the same key is theirs alone", async () => {
    const [alice, bob] = [await p.as(), await p.as()];
    const input = sessionInput();
    const hers = await keyed(alice, "shared").sessions.create(input);
    const his = await keyed(bob, "shared").sessions.create(input);
    expect(his.id).not.toBe(hers.id);
    expect(his.hostId).toBe(bob.userId);
    expect([await sessionsOf(alice.userId), await sessionsOf(bob.userId)]).toEqual([1, 1]);
  });

  it("a malformed key is 400; a query ignores the header", async () => {
    const host = await p.as();
    for (const key of ["", "has space", "x".repeat(256), "tab\there", "é"]) {
      expect(await errorCodeOf(keyed(host, key).sessions.create(sessionInput())), JSON.stringify(key)).toBe(
        "BAD_REQUEST",
      );
    }
    expect(await sessionsOf(host.userId)).toBe(0);
    expect(await keyed(host, "has space").bookings.mine()).toMatchObject({ items: [] });
    expect(await keyed(host, "x".repeat(255)).sessions.create(sessionInput())).toMatchObject({ hostId: host.userId });
  });
});

describe("in flight", () => {
  it("the same key while the first runs: 409 with retryAfterSeconds 1; after it, the replay", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 5 }));
    const guest = await p.as();
    const release = await p.holdSessionLock(s.id);
    const first = keyed(guest, "slow").bookings.create({ sessionId: s.id });
    await until(async () => (await keyRow(guest.userId, "slow"))?.status === "running");
    const concurrent = await failure(keyed(guest, "slow", otherInstance).bookings.create({ sessionId: s.id }));
    expect(concurrent.data).toMatchObject({ code: "CONFLICT", httpStatus: 409, retryAfterSeconds: 1 });
    await release();
    const booked = await first;
    expect(await keyed(guest, "slow").bookings.create({ sessionId: s.id })).toEqual(booked);
    expect((await p.anonymous.sessions.byId({ id: s.id })).confirmedCount).toBe(1);
  });

  it("a claim abandoned by a dead owner (older than a transaction's limit) does not block the key", async () => {
    const host = await p.as();
    const input = sessionInput();
    const { requestFingerprint } = await import("../../src/idempotency/fingerprint.js");
    const insert = (age: string) =>
      sql(
        p.tdb.directUrl,
        `INSERT INTO idempotency_keys (user_id, key, fingerprint, path, claim_id, status, claimed_at, expires_at)
         VALUES ($1, $2, $3, 'sessions.create', gen_random_uuid(), 'running', now() - $4::interval, now() + interval '1 day')`,
        [host.userId, `dead-${age.replace(" ", "-")}`, requestFingerprint("sessions.create", input), age],
      );
    await insert("1 second");
    expect(await errorCodeOf(keyed(host, "dead-1-second").sessions.create(input))).toBe("CONFLICT");
    await insert("10 minutes");
    const created = await keyed(host, "dead-10-minutes").sessions.create(input);
    expect(await keyed(host, "dead-10-minutes").sessions.create(input)).toEqual(created);
    expect(await sessionsOf(host.userId)).toBe(1);
  });

  it("a run whose claim was taken over meanwhile commits nothing (its transaction rolls back)", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    const release = await p.holdSessionLock(s.id);
    const slow = keyed(host, "taken").sessions.update({ id: s.id, title: "Mine" });
    await until(async () => (await keyRow(host.userId, "taken"))?.status === "running");
    // What a retry's takeover of an abandoned claim does: another claim id on the key.
    await sql(p.tdb.directUrl, "UPDATE idempotency_keys SET claim_id = gen_random_uuid() WHERE key = 'taken'");
    await release();
    expect(await errorCodeOf(slow)).toBe("CONFLICT");
    expect((await p.anonymous.sessions.byId({ id: s.id })).title).toBe(s.title);
  });
});

describe("rate limits", () => {
  it("a replay is not a write: it does not count against the caller's limit", async () => {
    const limited = await startProcedures("idempotency_limits", { RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "1" });
    try {
      const host = await limited.as();
      const call = (key: string) =>
        createCaller(
          createContext(limited.runtime, {
            requestId: randomUUID(),
            headers: new Headers({ authorization: `Bearer ${host.token}`, "idempotency-key": key }),
          }),
        ).sessions.create(input);
      const input = sessionInput();
      const first = await call("limited");
      for (let i = 0; i < 3; i++) expect(await call("limited")).toEqual(first);
      // A new operation is a new write: over the limit of one.
      expect(await errorCodeOf(call("another"))).toBe("TOO_MANY_REQUESTS");
      // A 429 is not stored: the key is free to run once the window allows.
      const kept = await sql(limited.tdb.directUrl, "SELECT 1 FROM idempotency_keys WHERE key = 'another'");
      expect(kept).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});

describe("what is kept", () => {
  it("a key after its expiry acts as new; the cron's prune deletes it", async () => {
    const host = await p.as();
    const input = sessionInput();
    const first = await keyed(host, "old").sessions.create(input);
    await sql(
      p.tdb.directUrl,
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'old'",
    );
    const second = await keyed(host, "old").sessions.create(input);
    expect(second.id).not.toBe(first.id);
    expect(await sessionsOf(host.userId)).toBe(2);

    const { pruneIdempotencyKeys } = await import("../../src/idempotency/index.js");
    await sql(
      p.tdb.directUrl,
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'old'",
    );
    expect(await pruneIdempotencyKeys(p.db)).toBeGreaterThanOrEqual(1);
    expect(await keyRow(host.userId, "old")).toBeNull();
  });

  it("kept 24 h by default", async () => {
    const host = await p.as();
    await keyed(host, "ttl").sessions.create(sessionInput());
    const [row] = await sql<{ hours: number }>(
      p.tdb.directUrl,
      "SELECT round(extract(epoch FROM expires_at - completed_at) / 3600)::int AS hours FROM idempotency_keys WHERE key = 'ttl'",
    );
    expect(row?.hours).toBe(24);
  });

  it("an outage (a timeout: nothing committed) is not stored: the key is released and the retry runs", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    // One second per statement: the update waits for the held lock past it.
    const shortDb = createDatabase({
      url: p.tdb.pooledUrl({ pgbouncer: true, connection_limit: 1, socket_timeout: 1 }),
    });
    try {
      const release = await p.holdSessionLock(s.id);
      const timedOut = await failure(keyed(host, "outage", shortDb).sessions.update({ id: s.id, title: "Retried" }));
      await release();
      expect(timedOut.data.httpStatus).toBeGreaterThanOrEqual(500);
      expect(await keyRow(host.userId, "outage")).toBeNull();
      const retried = await keyed(host, "outage").sessions.update({ id: s.id, title: "Retried" });
      expect(retried.title).toBe("Retried");
      expect(await keyRow(host.userId, "outage")).toMatchObject({ status: "succeeded" });
    } finally {
      await shortDb.close();
    }
  });
});
