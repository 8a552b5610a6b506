import { randomUUID } from "node:crypto";
import { sql } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodeOf, failure, type Procedures, sessionInput, startProcedures } from "../procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("bookings_create");
});
afterAll(() => p?.close());

describe("bookings.create: happy", () => {
  it("confirms while seats are left, then waitlists; the session's counts follow", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 1 }));
    const a = await p.as();
    const b = await p.as();
    const first = await a.api.bookings.create({ sessionId: s.id });
    expect(first).toMatchObject({ sessionId: s.id, userId: a.userId, status: "confirmed" });
    expect(first.createdAt).toBeInstanceOf(Date);
    expect((await b.api.bookings.create({ sessionId: s.id })).status).toBe("waitlisted");
    expect(await p.anonymous.sessions.byId({ id: s.id })).toMatchObject({
      confirmedCount: 1,
      waitlistCount: 1,
      seatsLeft: 0,
    });
  });

  it("a second booking by the same user returns the one they hold", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    const user = await p.as();
    const first = await user.api.bookings.create({ sessionId: s.id });
    expect(await user.api.bookings.create({ sessionId: s.id })).toEqual(first);
    expect((await p.anonymous.sessions.byId({ id: s.id })).confirmedCount).toBe(1);
  });

  it("after cancelling, the same user can book again", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    const user = await p.as();
    const first = await user.api.bookings.create({ sessionId: s.id });
    await user.api.bookings.cancel({ id: first.id });
    const second = await user.api.bookings.create({ sessionId: s.id });
    expect(second.id).not.toBe(first.id);
    expect(second.status).toBe("confirmed");
  });
});

describe("bookings.create: errors", () => {
  it("404 unknown session, 400 malformed id, 412 a session that has started", async () => {
    const user = await p.as();
    expect(await errorCodeOf(user.api.bookings.create({ sessionId: randomUUID() }))).toBe("NOT_FOUND");
    expect(await errorCodeOf(user.api.bookings.create({ sessionId: "1; DROP TABLE sessions" }))).toBe("BAD_REQUEST");

    const host = await p.as();
    const started = await host.api.sessions.create(sessionInput());
    await sql(
      p.tdb.directUrl,
      "UPDATE sessions SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '1 hour' WHERE id = $1",
      [started.id],
    );
    expect(await errorCodeOf(user.api.bookings.create({ sessionId: started.id }))).toBe("PRECONDITION_FAILED");
  });
});

describe("bookings.create: security", () => {
  it("requires a signed-in caller", async () => {
    expect(await errorCodeOf(p.anonymous.bookings.create({ sessionId: randomUUID() }))).toBe("UNAUTHORIZED");
  });
});

describe("bookings.create: bounded waitlist", () => {
  it("the waitlist holds as many as the capacity by default; past it, CONFLICT and nothing written", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 2 }));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await (await p.as()).api.bookings.create({ sessionId: s.id })).status);
    expect(statuses).toEqual(["confirmed", "confirmed", "waitlisted", "waitlisted"]);
    const late = await p.as();
    const refused = await failure(late.api.bookings.create({ sessionId: s.id }));
    expect(refused.data.code).toBe("CONFLICT");
    expect(refused.message).toMatch(/waitlist is full/);
    expect(await p.anonymous.sessions.byId({ id: s.id })).toMatchObject({ confirmedCount: 2, waitlistCount: 2 });
    expect((await late.api.bookings.mine()).items).toEqual([]);
  });

  it("WAITLIST_MAX sets the bound (0: no waitlist at all)", async () => {
    const strict = await startProcedures("bookings_waitmax", { WAITLIST_MAX: "0" });
    try {
      const host = await strict.as();
      const s = await host.api.sessions.create(sessionInput({ capacity: 1 }));
      expect((await (await strict.as()).api.bookings.create({ sessionId: s.id })).status).toBe("confirmed");
      expect(await errorCodeOf((await strict.as()).api.bookings.create({ sessionId: s.id }))).toBe("CONFLICT");
    } finally {
      await strict.close();
    }
  });
});
