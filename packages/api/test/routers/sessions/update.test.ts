import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "@s3ssions/testing";
import { errorCodeOf, hoursFromNow, type Procedures, sessionInput, startProcedures } from "../procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("sessions_update");
});
afterAll(() => p?.close());

describe("sessions.update: happy", () => {
  it("lets the host change fields", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    const updated = await host.api.sessions.update({ id: s.id, title: "Evening yoga", location: null });
    expect(updated).toMatchObject({ id: s.id, title: "Evening yoga", location: null, description: "Bring a mat" });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(s.updatedAt.getTime());
  });

  it("raising capacity promotes the waitlist in order", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 2 }));
    const users = await Promise.all([1, 2, 3, 4].map(() => p.as()));
    const bookings = [];
    for (const user of users) bookings.push(await user.api.bookings.create({ sessionId: s.id }));
    expect(bookings.map((b) => b.status)).toEqual(["confirmed", "confirmed", "waitlisted", "waitlisted"]);

    const raised = await host.api.sessions.update({ id: s.id, capacity: 3 });
    expect(raised).toMatchObject({ capacity: 3, confirmedCount: 3, waitlistCount: 1, seatsLeft: 0 });
    expect((await users[2]!.api.bookings.mine()).items[0]?.status).toBe("confirmed");
    expect((await users[3]!.api.bookings.mine()).items[0]?.status).toBe("waitlisted");
  });
});

describe("sessions.update: errors", () => {
  it("404 unknown, 400 ends before start or starts in the past", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    expect(await errorCodeOf(host.api.sessions.update({ id: randomUUID(), title: "x" }))).toBe("NOT_FOUND");
    expect(await errorCodeOf(host.api.sessions.update({ id: s.id, endsAt: hoursFromNow(1) }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(host.api.sessions.update({ id: s.id, startsAt: hoursFromNow(-1) }))).toBe("BAD_REQUEST");
  });

  it("never lowers capacity below the confirmed bookings", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 2 }));
    for (const user of await Promise.all([1, 2].map(() => p.as()))) await user.api.bookings.create({ sessionId: s.id });
    expect(await errorCodeOf(host.api.sessions.update({ id: s.id, capacity: 1 }))).toBe("CONFLICT");
  });

  it("a cancelled session cannot be changed", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    await host.api.sessions.cancel({ id: s.id });
    expect(await errorCodeOf(host.api.sessions.update({ id: s.id, title: "Back on" }))).toBe("PRECONDITION_FAILED");
  });
});

describe("sessions.update: security", () => {
  it("refuses everyone but the host", async () => {
    const host = await p.as();
    const other = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    expect(await errorCodeOf(other.api.sessions.update({ id: s.id, title: "Mine now" }))).toBe("FORBIDDEN");
    expect(await errorCodeOf(p.anonymous.sessions.update({ id: s.id, title: "x" }))).toBe("UNAUTHORIZED");
    expect((await p.anonymous.sessions.byId({ id: s.id })).title).toBe("Morning yoga");
  });
});

describe("sessions.update: time rules", () => {
  it("a session that has started cannot be changed (PRECONDITION_FAILED, nothing written)", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 1 }));
    await sql(p.tdb.directUrl, "UPDATE sessions SET starts_at = now() - interval '5 minutes' WHERE id = $1", [s.id]);
    expect(await errorCodeOf(host.api.sessions.update({ id: s.id, title: "Renamed" }))).toBe("PRECONDITION_FAILED");
    expect(await errorCodeOf(host.api.sessions.update({ id: s.id, capacity: 5 }))).toBe("PRECONDITION_FAILED");
    expect((await p.anonymous.sessions.byId({ id: s.id })).title).toBe(s.title);
  });
});
