import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodeOf, type Procedures, sessionInput, startProcedures } from "../procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("sessions_cancel");
});
afterAll(() => p?.close());

describe("sessions.cancel: happy", () => {
  it("cancels the session and every active booking; idempotent", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 1 }));
    const a = await p.as();
    const b = await p.as();
    await a.api.bookings.create({ sessionId: s.id });
    await b.api.bookings.create({ sessionId: s.id });

    const cancelled = await host.api.sessions.cancel({ id: s.id });
    expect(cancelled).toMatchObject({ status: "cancelled", confirmedCount: 0, waitlistCount: 0, seatsLeft: 0 });
    expect((await a.api.bookings.mine()).items[0]?.status).toBe("cancelled");
    expect((await b.api.bookings.mine()).items[0]?.status).toBe("cancelled");
    expect((await host.api.sessions.cancel({ id: s.id })).status).toBe("cancelled");
  });
});

describe("sessions.cancel: errors", () => {
  it("a cancelled session takes no booking", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    await host.api.sessions.cancel({ id: s.id });
    const user = await p.as();
    expect(await errorCodeOf(user.api.bookings.create({ sessionId: s.id }))).toBe("PRECONDITION_FAILED");
  });
});

describe("sessions.cancel: security", () => {
  it("host only: an attendee or a stranger is refused, signed out is 401", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    const attendee = await p.as();
    await attendee.api.bookings.create({ sessionId: s.id });
    expect(await errorCodeOf(attendee.api.sessions.cancel({ id: s.id }))).toBe("FORBIDDEN");
    expect(await errorCodeOf(p.anonymous.sessions.cancel({ id: s.id }))).toBe("UNAUTHORIZED");
    expect((await p.anonymous.sessions.byId({ id: s.id })).status).toBe("scheduled");
  });
});
