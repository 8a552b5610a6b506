import { randomUUID } from "node:crypto";
import { sql } from "@s3ssions/testing";
import { errorCodeOf } from "../api-client.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainApi, sessionInput, startDomainApi } from "../support.js";

let ctx: DomainApi;
beforeAll(async () => {
  ctx = await startDomainApi("bookings");
});
afterAll(() => ctx?.close());

describe("bookings.create", () => {
  it("confirms while seats are left, then waitlists; the session's counts follow", async () => {
    const host = await ctx.as();
    const s = await host.api.sessions.create.mutate(sessionInput({ capacity: 1 }));
    const a = await ctx.as();
    const b = await ctx.as();
    const first = await a.api.bookings.create.mutate({ sessionId: s.id });
    expect(first).toMatchObject({ sessionId: s.id, userId: a.userId, status: "confirmed" });
    expect(first.createdAt).toBeInstanceOf(Date);
    const second = await b.api.bookings.create.mutate({ sessionId: s.id });
    expect(second.status).toBe("waitlisted");
    expect(await ctx.anonymous.sessions.byId.query({ id: s.id })).toMatchObject({
      confirmedCount: 1,
      waitlistCount: 1,
      seatsLeft: 0,
    });
  });

  it("a second booking by the same user returns the one they hold", async () => {
    const host = await ctx.as();
    const s = await host.api.sessions.create.mutate(sessionInput());
    const user = await ctx.as();
    const first = await user.api.bookings.create.mutate({ sessionId: s.id });
    const again = await user.api.bookings.create.mutate({ sessionId: s.id });
    expect(again).toEqual(first);
    expect((await ctx.anonymous.sessions.byId.query({ id: s.id })).confirmedCount).toBe(1);
  });

  it("after cancelling, the same user can book again", async () => {
    const host = await ctx.as();
    const s = await host.api.sessions.create.mutate(sessionInput());
    const user = await ctx.as();
    const first = await user.api.bookings.create.mutate({ sessionId: s.id });
    await user.api.bookings.cancel.mutate({ id: first.id });
    const second = await user.api.bookings.create.mutate({ sessionId: s.id });
    expect(second.id).not.toBe(first.id);
    expect(second.status).toBe("confirmed");
  });

  it("errors: 401 signed out, 404 unknown session, 400 malformed id, 412 cancelled or started", async () => {
    const user = await ctx.as();
    expect(await errorCodeOf(ctx.anonymous.bookings.create.mutate({ sessionId: randomUUID() }))).toBe("UNAUTHORIZED");
    expect(await errorCodeOf(user.api.bookings.create.mutate({ sessionId: randomUUID() }))).toBe("NOT_FOUND");
    expect(await errorCodeOf(user.api.bookings.create.mutate({ sessionId: "1; DROP TABLE sessions" }))).toBe(
      "BAD_REQUEST",
    );

    const host = await ctx.as();
    const started = await host.api.sessions.create.mutate(sessionInput());
    await sql(
      ctx.tdb.directUrl,
      "UPDATE sessions SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '1 hour' WHERE id = $1",
      [started.id],
    );
    expect(await errorCodeOf(user.api.bookings.create.mutate({ sessionId: started.id }))).toBe("PRECONDITION_FAILED");
  });
});

describe("bookings.cancel", () => {
  it("promotes the earliest waitlisted booking, in arrival order", async () => {
    const host = await ctx.as();
    const s = await host.api.sessions.create.mutate(sessionInput({ capacity: 2 }));
    const users = await Promise.all([0, 1, 2, 3, 4].map(() => ctx.as()));
    const booked = [];
    for (const u of users) booked.push(await u.api.bookings.create.mutate({ sessionId: s.id }));
    expect(booked.map((b) => b.status)).toEqual(["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]);

    const cancelled = await users[0]!.api.bookings.cancel.mutate({ id: booked[0]!.id });
    expect(cancelled.status).toBe("cancelled");
    const statusOf = async (i: number) => (await users[i]!.api.bookings.mine.query()).items[0]?.status;
    expect(await statusOf(2)).toBe("confirmed");
    expect(await statusOf(3)).toBe("waitlisted");

    await users[1]!.api.bookings.cancel.mutate({ id: booked[1]!.id });
    expect(await statusOf(3)).toBe("confirmed");
    expect(await statusOf(4)).toBe("waitlisted");

    // Cancelling a waitlisted booking promotes nobody.
    await users[4]!.api.bookings.cancel.mutate({ id: booked[4]!.id });
    expect(await ctx.anonymous.sessions.byId.query({ id: s.id })).toMatchObject({
      confirmedCount: 2,
      waitlistCount: 0,
    });
  });

  it("only the owner may cancel; cancelling twice returns the cancelled booking", async () => {
    const host = await ctx.as();
    const s = await host.api.sessions.create.mutate(sessionInput());
    const owner = await ctx.as();
    const other = await ctx.as();
    const booking = await owner.api.bookings.create.mutate({ sessionId: s.id });
    expect(await errorCodeOf(other.api.bookings.cancel.mutate({ id: booking.id }))).toBe("FORBIDDEN");
    expect(await errorCodeOf(host.api.bookings.cancel.mutate({ id: booking.id }))).toBe("FORBIDDEN");
    expect(await errorCodeOf(ctx.anonymous.bookings.cancel.mutate({ id: booking.id }))).toBe("UNAUTHORIZED");
    expect(await errorCodeOf(owner.api.bookings.cancel.mutate({ id: randomUUID() }))).toBe("NOT_FOUND");
    const once = await owner.api.bookings.cancel.mutate({ id: booking.id });
    const twice = await owner.api.bookings.cancel.mutate({ id: booking.id });
    expect(twice).toEqual(once);
    expect((await ctx.anonymous.sessions.byId.query({ id: s.id })).confirmedCount).toBe(0);
  });
});

describe("bookings.mine", () => {
  it("pages the caller's bookings newest first, and only theirs", async () => {
    const host = await ctx.as();
    const user = await ctx.as();
    const stranger = await ctx.as();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await host.api.sessions.create.mutate(sessionInput({ title: `B${i}` }));
      ids.push((await user.api.bookings.create.mutate({ sessionId: s.id })).id);
      await stranger.api.bookings.create.mutate({ sessionId: s.id });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await user.api.bookings.mine.query({ limit: 2, cursor });
      expect(page.items.every((b) => b.userId === user.userId)).toBe(true);
      seen.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await user.api.bookings.mine.query({ status: "cancelled" })).items).toEqual([]);
    expect(await errorCodeOf(ctx.anonymous.bookings.mine.query())).toBe("UNAUTHORIZED");
  });
});
