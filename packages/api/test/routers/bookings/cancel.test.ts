import { randomUUID } from "node:crypto";
import { newQueryTiming, timedDatabase } from "@s3ssions/db";
import { sql } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createCallerFactory, createContext } from "../../../src/index.js";
import { errorCodeOf, failure, type Procedures, sessionInput, startProcedures, until } from "../procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("bookings_cancel");
});
afterAll(() => p?.close());

/** A session of one seat: one user's booking confirmed, another's waitlisted. */
async function oneSeatTakenOneWaiting() {
  const host = await p.as();
  const s = await host.api.sessions.create(sessionInput({ capacity: 1 }));
  const [seated, waiting] = [await p.as(), await p.as()];
  const booking = await seated.api.bookings.create({ sessionId: s.id });
  expect((await waiting.api.bookings.create({ sessionId: s.id })).status).toBe("waitlisted");
  return { s, seated, waiting, booking };
}

describe("bookings.cancel: happy", () => {
  it("promotes the earliest waitlisted booking, in arrival order", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 3 }));
    const users = await Promise.all([0, 1, 2, 3, 4, 5].map(() => p.as()));
    const booked = [];
    for (const u of users) booked.push(await u.api.bookings.create({ sessionId: s.id }));
    expect(booked.map((b) => b.status)).toEqual([
      "confirmed",
      "confirmed",
      "confirmed",
      "waitlisted",
      "waitlisted",
      "waitlisted",
    ]);

    expect((await users[0]!.api.bookings.cancel({ id: booked[0]!.id })).status).toBe("cancelled");
    const statusOf = async (i: number) => (await users[i]!.api.bookings.mine()).items[0]?.status;
    expect(await statusOf(3)).toBe("confirmed");
    expect(await statusOf(4)).toBe("waitlisted");

    await users[1]!.api.bookings.cancel({ id: booked[1]!.id });
    expect(await statusOf(4)).toBe("confirmed");
    expect(await statusOf(5)).toBe("waitlisted");

    // Cancelling a waitlisted booking promotes nobody.
    await users[5]!.api.bookings.cancel({ id: booked[5]!.id });
    expect(await p.anonymous.sessions.byId({ id: s.id })).toMatchObject({ confirmedCount: 3, waitlistCount: 0 });
  });

  it("cancelling twice returns the cancelled booking", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    const owner = await p.as();
    const booking = await owner.api.bookings.create({ sessionId: s.id });
    const once = await owner.api.bookings.cancel({ id: booking.id });
    expect(await owner.api.bookings.cancel({ id: booking.id })).toEqual(once);
    expect((await p.anonymous.sessions.byId({ id: s.id })).confirmedCount).toBe(0);
  });
});

describe("bookings.cancel: errors", () => {
  it("404 for an unknown booking", async () => {
    const owner = await p.as();
    expect(await errorCodeOf(owner.api.bookings.cancel({ id: randomUUID() }))).toBe("NOT_FOUND");
  });
});

describe("bookings.cancel: security", () => {
  it("only the owner may cancel: not another user, not the host, not signed out", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    const owner = await p.as();
    const other = await p.as();
    const booking = await owner.api.bookings.create({ sessionId: s.id });
    expect(await errorCodeOf(other.api.bookings.cancel({ id: booking.id }))).toBe("FORBIDDEN");
    expect(await errorCodeOf(host.api.bookings.cancel({ id: booking.id }))).toBe("FORBIDDEN");
    expect(await errorCodeOf(p.anonymous.bookings.cancel({ id: booking.id }))).toBe("UNAUTHORIZED");
    expect((await owner.api.bookings.mine()).items[0]?.status).toBe("confirmed");
  });
});

describe("bookings.cancel: time rules", () => {
  it("after the session started: PRECONDITION_FAILED, nothing promoted, no task (no webhook)", async () => {
    const { s, seated, waiting, booking } = await oneSeatTakenOneWaiting();
    // The session starts (time passes): moved into the past behind the API's back.
    await sql(p.tdb.directUrl, "UPDATE sessions SET starts_at = now() - interval '5 minutes' WHERE id = $1", [s.id]);
    const tasksBefore = await sql<{ n: number }>(p.tdb.directUrl, "SELECT count(*)::int AS n FROM tasks");

    const refused = await failure(seated.api.bookings.cancel({ id: booking.id }));
    expect(refused.data.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toMatch(/already started/);
    expect((await seated.api.bookings.mine()).items[0]?.status).toBe("confirmed");
    expect((await waiting.api.bookings.mine()).items[0]?.status).toBe("waitlisted");
    expect(await sql<{ n: number }>(p.tdb.directUrl, "SELECT count(*)::int AS n FROM tasks")).toEqual(tasksBefore);
  });
});

describe("bookings.cancel: statements", () => {
  // A change's statements hold the session's lock and the instance's one connection: a
  // cancel that promotes spent 8 in its transaction (a booking spends 2).
  it("a cancel that hands its seat to the waitlist: the rate limit's count, then 5 statements in one transaction", async () => {
    const { s, seated, waiting, booking } = await oneSeatTakenOneWaiting();

    const timing = newQueryTiming();
    const caller = createCallerFactory(appRouter)(
      createContext(p.runtime, {
        requestId: randomUUID(),
        headers: new Headers({ authorization: `Bearer ${seated.token}` }),
        db: timedDatabase(p.db, timing),
      }),
    );
    expect(await caller.bookings.cancel({ id: booking.id })).toMatchObject({ status: "cancelled" });
    // The count; the session's lock with the booking's owner; the booking as it is under the
    // lock; its cancel with the session's counter; the promotion with the counters; the tasks.
    expect(timing.queries).toBe(6);
    expect((await waiting.api.bookings.mine()).items[0]?.status).toBe("confirmed");
    expect(await p.anonymous.sessions.byId({ id: s.id })).toMatchObject({ confirmedCount: 1, waitlistCount: 0 });
  });
});

describe("bookings.cancel: concurrency", () => {
  // The booking's status must be read after the session's lock is held: read with the lock
  // (one snapshot), a cancel that waited behind another cancel of the same booking would
  // see it still confirmed and free its seat a second time.
  it("the same booking cancelled on two instances at once frees its seat once: one promotion, one cancel reported", async () => {
    const other = p.instance();
    const { s, seated, waiting, booking } = await oneSeatTakenOneWaiting();

    // Both cancels queue on the session's lock (their lock statements wait on it), held here,
    // then run one after the other.
    const release = await p.holdSessionLock(s.id);
    const cancels = [
      seated.api.bookings.cancel({ id: booking.id }),
      other.as(seated).bookings.cancel({ id: booking.id }),
    ];
    try {
      await until(async () => {
        const [waiting] = await sql<{ n: number }>(
          p.tdb.directUrl,
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF s%'`,
          [p.tdb.name],
        );
        return waiting!.n >= 2;
      });
    } finally {
      await release();
    }
    expect((await Promise.all(cancels)).map((answer) => answer.status)).toEqual(["cancelled", "cancelled"]);

    expect(await p.anonymous.sessions.byId({ id: s.id })).toMatchObject({ confirmedCount: 1, waitlistCount: 0 });
    expect((await waiting.api.bookings.mine()).items[0]?.status).toBe("confirmed");
    const events = await sql<{ type: string; n: number }>(
      p.tdb.directUrl,
      "SELECT kind AS type, count(*)::int AS n FROM tasks WHERE payload->'session'->>'id' = $1 GROUP BY 1 ORDER BY 1",
      [s.id],
    );
    expect(events).toContainEqual({ type: "booking.cancelled", n: 1 });
    expect(events).toContainEqual({ type: "booking.promoted", n: 1 });
  });
});
