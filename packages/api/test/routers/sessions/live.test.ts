import { randomUUID } from "node:crypto";
import { sql } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneSessionFeed } from "../../../src/domain/stores/session-feed.js";
import { errorCodeOf, type Procedures, sessionInput, startProcedures } from "../procedures.js";
import { feedOf, nextEvents, type Stream, watchLive } from "../../live/streams.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("sessions_live", { LIVE_POLL_MS: "20" });
});
afterAll(() => p?.close());

describe("sessions.live: the current state, then every change", () => {
  it("first the state of each requested session (unknown ids absent), then each booking with its seatsLeft", async () => {
    const host = await p.as();
    const a = await host.api.sessions.create(sessionInput({ capacity: 2 }));
    const b = await host.api.sessions.create(sessionInput({ capacity: 5 }));
    const stream = await watchLive(p.anonymous, { ids: [a.id, randomUUID(), b.id] });
    try {
      const initial = await nextEvents(stream, 2);
      expect(initial.map((event) => event.data.id).sort()).toEqual([a.id, b.id].sort());
      expect(initial.find((event) => event.data.id === a.id)?.data).toEqual({
        id: a.id,
        seatsLeft: 2,
        confirmedCount: 0,
        waitlistCount: 0,
        capacity: 2,
        status: "scheduled",
        updatedAt: a.updatedAt,
      });
      expect(Object.keys(initial[0]!.data).sort()).not.toContain("onlineUrl");
      const guest = await p.as();
      await guest.api.bookings.create({ sessionId: a.id });
      const [booked] = await nextEvents(stream, 1);
      expect(booked!.data).toMatchObject({ id: a.id, seatsLeft: 1, confirmedCount: 1 });
      // The event id is the feed position of that change.
      const feed = await feedOf(p.tdb.directUrl, [a.id]);
      expect(booked!.id).toBe(feed.at(-1)!.position);
    } finally {
      await stream.close();
    }
  });

  it("every kind of seat or status change is one feed entry, in its transaction; a title change is none", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 1 }));
    const stream = await watchLive(p.anonymous, { ids: [s.id] });
    try {
      await nextEvents(stream, 1);
      const first = await p.as();
      const second = await p.as();
      const confirmed = await first.api.bookings.create({ sessionId: s.id });
      await second.api.bookings.create({ sessionId: s.id });
      await first.api.bookings.cancel({ id: confirmed.id }); // promotes the second
      await host.api.sessions.update({ id: s.id, title: "Renamed" });
      await host.api.sessions.update({ id: s.id, capacity: 3 });
      await host.api.sessions.cancel({ id: s.id });
      const events = await nextEvents(stream, 5);
      expect(
        events.map(({ data }) => [data.confirmedCount, data.waitlistCount, data.capacity, data.seatsLeft, data.status]),
      ).toEqual([
        [1, 0, 1, 0, "scheduled"],
        [1, 1, 1, 0, "scheduled"],
        [1, 0, 1, 0, "scheduled"],
        [1, 0, 3, 2, "scheduled"],
        [0, 0, 3, 0, "cancelled"],
      ]);
      const feed = await feedOf(p.tdb.directUrl, [s.id]);
      expect(events.map((event) => event.id)).toEqual(feed.map((entry) => entry.position));
    } finally {
      await stream.close();
    }
  });
});

describe("sessions.live: resuming with lastEventId", () => {
  it("replays exactly what was missed, nothing before it", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 10 }));
    const stream = await watchLive(p.anonymous, { ids: [s.id] });
    const [state] = await nextEvents(stream, 1);
    await (await p.as()).api.bookings.create({ sessionId: s.id });
    const [seen] = await nextEvents(stream, 1);
    await stream.close();
    expect(state!.id).toMatch(/^\d+$/);

    for (let i = 0; i < 3; i++) await (await p.as()).api.bookings.create({ sessionId: s.id });
    const resumed = await watchLive(p.anonymous, { ids: [s.id], lastEventId: seen!.id });
    try {
      const missed = await nextEvents(resumed, 3);
      const feed = await feedOf(p.tdb.directUrl, [s.id]);
      expect(missed.map((event) => event.id)).toEqual(feed.slice(1).map((entry) => entry.position));
      expect(missed.map((event) => event.data.confirmedCount)).toEqual([2, 3, 4]);
    } finally {
      await resumed.close();
    }
  });

  it("a lastEventId never issued, or pruned, gets the current state again, never a silent gap", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 10 }));
    await (await p.as()).api.bookings.create({ sessionId: s.id });
    const [entry] = await feedOf(p.tdb.directUrl, [s.id]);

    const ahead = await watchLive(p.anonymous, { ids: [s.id], lastEventId: "999999999999" });
    const [fromAhead] = await nextEvents(ahead, 1);
    await ahead.close();
    expect(fromAhead!.data).toMatchObject({ id: s.id, confirmedCount: 1 });

    await (await p.as()).api.bookings.create({ sessionId: s.id });
    await sql(p.tdb.directUrl, "UPDATE session_feed SET written_at = now() - interval '2 days'");
    expect(await pruneSessionFeed(p.db)).toBeGreaterThan(0);
    const pruned = await watchLive(p.anonymous, { ids: [s.id], lastEventId: entry!.position });
    const [fromPruned] = await nextEvents(pruned, 1);
    await pruned.close();
    expect(fromPruned!.data).toMatchObject({ id: s.id, confirmedCount: 2 });
    expect(BigInt(fromPruned!.id)).toBeGreaterThan(BigInt(entry!.position));
  });

  it("a state cut short (an id ending in +) is sent again whole", async () => {
    const host = await p.as();
    const a = await host.api.sessions.create(sessionInput());
    const b = await host.api.sessions.create(sessionInput());
    const stream = await watchLive(p.anonymous, { ids: [a.id, b.id] });
    const [first, second] = await nextEvents(stream, 2);
    await stream.close();
    expect(first!.id).toBe(`${second!.id}+`);
    const again = await watchLive(p.anonymous, { ids: [a.id, b.id], lastEventId: first!.id });
    expect((await nextEvents(again, 2)).map((event) => event.id)).toEqual([first!.id, second!.id]);
    await again.close();
  });
});

describe("sessions.live: bad input", () => {
  it("101 ids, a malformed id, a malformed lastEventId: BAD_REQUEST, and the instance keeps no stream", async () => {
    const ids = Array.from({ length: 101 }, () => randomUUID());
    expect(await errorCodeOf(p.anonymous.sessions.live({ ids }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(p.anonymous.sessions.live({ ids: ["nope"] }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(p.anonymous.sessions.live({ ids: [] }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(p.anonymous.sessions.live({ ids: [randomUUID()], lastEventId: "1; DROP" }))).toBe(
      "BAD_REQUEST",
    );
    expect(p.runtime.live.subscribers).toBe(0);
  });
});

export type { Stream };
