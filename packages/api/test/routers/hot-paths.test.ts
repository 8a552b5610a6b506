import { randomUUID } from "node:crypto";
import { sql } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hoursFromNow, type Procedures, startProcedures } from "./procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("hot_paths");
});
afterAll(() => p?.close());

// The busiest procedures answer from hand-written statements alone: neither Prisma's
// runtime nor its query compiler is loaded for them (a cold start skips both, and an
// instance that only lists and books never holds them in memory).
describe("the hot paths never load Prisma", () => {
  it("sessions.list and sessions.byId (signed out and signed in, links hidden and shown), bookings.create, bookings.mine and bookings.cancel", async () => {
    const host = await p.as();
    const guest = await p.as();
    const [session] = await sql<{ id: string }>(
      p.tdb.directUrl,
      `INSERT INTO sessions (id, host_id, title, starts_at, ends_at, timezone, capacity, online_url, updated_at)
       VALUES ($1, $2, 'Hot', $3, $4, 'UTC', 1, 'https://meet.example/hot', now()) RETURNING id::text`,
      [randomUUID(), host.userId, hoursFromNow(24), hoursFromNow(25)],
    );

    expect((await p.anonymous.sessions.list({ hostId: host.userId })).items[0]?.onlineUrl).toBeNull();
    const booked = await guest.api.bookings.create({ sessionId: session!.id });
    expect(booked).toMatchObject({ status: "confirmed" });
    const listed = await guest.api.sessions.list({ hostId: host.userId });
    expect(listed.items[0]).toMatchObject({ id: session!.id, onlineUrl: "https://meet.example/hot", seatsLeft: 0 });
    expect(await guest.api.sessions.byId({ id: session!.id })).toEqual(listed.items[0]);
    expect(await p.anonymous.sessions.byId({ id: session!.id })).toMatchObject({ onlineUrl: null, seatsLeft: 0 });
    expect((await guest.api.bookings.mine({})).items).toEqual([booked]);
    await expect(p.anonymous.sessions.byId({ id: randomUUID() })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const waiting = await p.as();
    expect(await waiting.api.bookings.create({ sessionId: session!.id })).toMatchObject({ status: "waitlisted" });

    // Refused before any change (an unknown id, a stranger's cancel); the owner's cancel
    // frees the seat for the waitlist, and cancelling again answers the cancelled booking.
    await expect(guest.api.bookings.cancel({ id: randomUUID() })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(waiting.api.bookings.cancel({ id: booked.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await guest.api.bookings.cancel({ id: booked.id })).toMatchObject({ id: booked.id, status: "cancelled" });
    expect(await guest.api.bookings.cancel({ id: booked.id })).toMatchObject({ status: "cancelled" });
    expect((await waiting.api.sessions.list({ hostId: host.userId })).items[0]).toMatchObject({ seatsLeft: 0 });

    expect(() => p.db.prisma).toThrow(/not loaded/);
  });
});
