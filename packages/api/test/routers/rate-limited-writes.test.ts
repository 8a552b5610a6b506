import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, type Procedures, sessionInput, startProcedures } from "./procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("ratelimited", {
    RATE_LIMIT_SESSIONS_UPDATE_PER_MIN: "1",
    RATE_LIMIT_BOOKINGS_CANCEL_PER_MIN: "1",
  });
});
afterAll(() => p?.close());

describe("rate limits cover sessions.update and bookings.cancel", () => {
  it("past the per-minute limit: TOO_MANY_REQUESTS with a retry-after", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    await host.api.sessions.update({ id: s.id, title: "Once" });
    const update = await failure(host.api.sessions.update({ id: s.id, title: "Twice" }));
    expect(update.data.code).toBe("TOO_MANY_REQUESTS");
    expect(update.data.retryAfterSeconds).toBeGreaterThan(0);

    const guest = await p.as();
    const booking = await guest.api.bookings.create({ sessionId: s.id });
    await guest.api.bookings.cancel({ id: booking.id });
    expect((await failure(guest.api.bookings.cancel({ id: booking.id }))).data.code).toBe("TOO_MANY_REQUESTS");
  });
});
