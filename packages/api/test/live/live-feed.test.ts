import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Procedures, sessionInput, startProcedures } from "../routers/procedures.js";
import { feedOf, nextEvents, watchLive } from "./streams.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("live_feed", { LIVE_POLL_MS: "20" });
});
afterAll(() => p?.close());

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe("the instance's feed reader", () => {
  it("a subscriber on instance A hears of a booking made through instance B (no in-process event)", async () => {
    const b = p.instance();
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput({ capacity: 3 }));
    const stream = await watchLive(p.anonymous, { ids: [s.id] });
    try {
      await nextEvents(stream, 1);
      const guest = await p.as();
      await b.as(guest).bookings.create({ sessionId: s.id });
      const [event] = await nextEvents(stream, 1);
      expect(event!.data).toMatchObject({ id: s.id, seatsLeft: 2, confirmedCount: 1 });
    } finally {
      await stream.close();
    }
  });

  it("concurrent changes on two instances reach every subscriber as exactly the feed's sequence", async () => {
    const b = p.instance();
    const host = await p.as();
    const sessions = await Promise.all(
      [1, 2, 3, 4].map(() => host.api.sessions.create(sessionInput({ capacity: 50 }))),
    );
    const ids = sessions.map((session) => session.id);
    const streams = await Promise.all([
      watchLive(p.anonymous, { ids }),
      watchLive(p.anonymous, { ids: ids.slice(0, 2) }),
      watchLive(b.anonymous, { ids }),
    ]);
    try {
      await Promise.all([nextEvents(streams[0]!, 4), nextEvents(streams[1]!, 2), nextEvents(streams[2]!, 4)]);
      const guests = await Promise.all(Array.from({ length: 24 }, () => p.as()));
      await Promise.all(
        guests.map((guest, index) =>
          (index % 2 ? b.as(guest) : guest.api).bookings.create({ sessionId: ids[index % ids.length]! }),
        ),
      );
      const feed = await feedOf(p.tdb.directUrl, ids);
      expect(feed).toHaveLength(24);
      const firstTwo = feed.filter((entry) => ids.slice(0, 2).includes(entry.sessionId));
      const [all, some, onB] = await Promise.all([
        nextEvents(streams[0]!, 24),
        nextEvents(streams[1]!, firstTwo.length),
        nextEvents(streams[2]!, 24),
      ]);
      expect(all.map((event) => event.id)).toEqual(feed.map((entry) => entry.position));
      expect(onB.map((event) => event.id)).toEqual(feed.map((entry) => entry.position));
      expect(some.map((event) => event.id)).toEqual(firstTwo.map((entry) => entry.position));
      // Positions are dense: each change took the next one, none was lost to a rollback.
      const positions = feed.map((entry) => BigInt(entry.position));
      expect(positions.at(-1)! - positions[0]!).toBe(23n);
    } finally {
      await Promise.all(streams.map((stream) => stream.close()));
    }
  });

  it("a resume while the reader runs is served from what it read (the same sequence as the feed)", async () => {
    const host = await p.as();
    const [anchor, s] = await Promise.all([1, 2].map(() => host.api.sessions.create(sessionInput({ capacity: 20 }))));
    // Another viewer keeps the instance's reader running meanwhile.
    const keeper = await watchLive(p.anonymous, { ids: [anchor!.id] });
    try {
      await nextEvents(keeper, 1);
      const first = await watchLive(p.anonymous, { ids: [s!.id] });
      await nextEvents(first, 1);
      await (await p.as()).api.bookings.create({ sessionId: s!.id });
      const [seen] = await nextEvents(first, 1);
      await first.close();
      for (let i = 0; i < 3; i++) await (await p.as()).api.bookings.create({ sessionId: s!.id });
      const feed = await feedOf(p.tdb.directUrl, [s!.id]);
      // Wait until the reader has read the last of them, so that the resume finds it in memory.
      const probe = await watchLive(p.anonymous, { ids: [s!.id] });
      await nextEvents(probe, 1);
      await probe.close();
      const resumed = await watchLive(p.anonymous, { ids: [s!.id], lastEventId: seen!.id });
      const missed = await nextEvents(resumed, 3);
      await resumed.close();
      expect(missed.map((event) => event.id)).toEqual(feed.slice(1).map((entry) => entry.position));
    } finally {
      await keeper.close();
    }
  });

  it("idles without subscribers: no statement at all", async () => {
    const host = await p.as();
    const s = await host.api.sessions.create(sessionInput());
    const stream = await watchLive(p.anonymous, { ids: [s.id] });
    await nextEvents(stream, 1);
    expect(p.runtime.live.reading).toBe(true);
    await stream.close();
    await until(() => !p.runtime.live.reading);
    const reads = p.runtime.live.reads;
    await (await p.as()).api.bookings.create({ sessionId: s.id });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(p.runtime.live.reads).toBe(reads);
    expect(p.runtime.live.subscribers).toBe(0);
  });
});
