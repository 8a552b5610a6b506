import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodeOf, failure, hoursFromNow, type Procedures, sessionInput, startProcedures } from "../procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("sessions_list");
});
afterAll(() => p?.close());

describe("sessions.list: happy", () => {
  it("pages upcoming sessions in start order with a stable keyset cursor", async () => {
    const host = await p.as();
    const base = Date.now() + 30 * 24 * 3_600_000;
    const created = [];
    for (let i = 0; i < 7; i++) {
      // Two sessions share each start time: the id breaks the tie.
      const startsAt = new Date(base + Math.floor(i / 2) * 3_600_000);
      created.push(
        await host.api.sessions.create(
          sessionInput({ title: `S${i}`, startsAt, endsAt: new Date(startsAt.getTime() + 1_800_000) }),
        ),
      );
    }
    const expected = [...created]
      .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.id.localeCompare(b.id))
      .map((s) => s.id);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await p.anonymous.sessions.list({ hostId: host.userId, limit: 3, cursor });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(pages).toBe(3);
  });

  it("defaults to 20 upcoming, scheduled sessions and filters by time window", async () => {
    const host = await p.as();
    expect((await p.anonymous.sessions.list({ hostId: host.userId })).items).toEqual([]);
    const a = await host.api.sessions.create(sessionInput({ startsAt: hoursFromNow(48), endsAt: hoursFromNow(49) }));
    const b = await host.api.sessions.create(sessionInput({ startsAt: hoursFromNow(96), endsAt: hoursFromNow(97) }));
    await host.api.sessions.cancel({ id: b.id });
    expect((await p.anonymous.sessions.list({ hostId: host.userId })).items.map((s) => s.id)).toEqual([a.id]);
    const withCancelled = await p.anonymous.sessions.list({ hostId: host.userId, includeCancelled: true });
    expect(withCancelled.items.map((s) => s.id)).toEqual([a.id, b.id]);
    const window = await p.anonymous.sessions.list({
      hostId: host.userId,
      includeCancelled: true,
      from: hoursFromNow(72),
      to: hoursFromNow(100),
    });
    expect(window.items.map((s) => s.id)).toEqual([b.id]);
    expect((await p.anonymous.sessions.list()).items.length).toBeLessThanOrEqual(20);
  });

  // `infiniteQueryOptions` / `useInfiniteQuery` send `{ ...input, cursor, direction }`,
  // with `cursor: null` for the first page.
  it("takes tRPC's infinite-query input: cursor null then nextCursor, direction forward", async () => {
    const host = await p.as();
    for (let i = 0; i < 3; i++) {
      await host.api.sessions.create(
        sessionInput({ title: `I${i}`, startsAt: hoursFromNow(200 + i), endsAt: hoursFromNow(201 + i) }),
      );
    }
    const first = await p.anonymous.sessions.list({
      hostId: host.userId,
      limit: 2,
      cursor: null,
      direction: "forward",
    });
    expect(first.items.map((s) => s.title)).toEqual(["I0", "I1"]);
    const second = await p.anonymous.sessions.list({
      hostId: host.userId,
      limit: 2,
      cursor: first.nextCursor,
      direction: "forward",
    });
    expect(second.items.map((s) => s.title)).toEqual(["I2"]);
    expect(second.nextCursor).toBeNull();
  });
});

describe("sessions.list: errors", () => {
  it("rejects a forged cursor, a limit out of range and an inverted window", async () => {
    expect(await errorCodeOf(p.anonymous.sessions.list({ cursor: "garbage" }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(p.anonymous.sessions.list({ limit: 0 }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(p.anonymous.sessions.list({ limit: 101 }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(p.anonymous.sessions.list({ from: hoursFromNow(10), to: hoursFromNow(5) }))).toBe(
      "BAD_REQUEST",
    );
  });

  it("refuses direction backward and keys it does not know", async () => {
    const page = await p.anonymous.sessions.list({ limit: 1 });
    const backward = await failure(
      p.anonymous.sessions.list({ limit: 2, cursor: page.nextCursor, direction: "backward" as "forward" }),
    );
    expect(backward.data.code).toBe("BAD_REQUEST");
    expect(backward.message).toMatch(/^Invalid input: direction: /);
    const unknown = await failure(p.anonymous.sessions.list({ limit: 2, page: 2 } as never));
    expect(unknown.data.code).toBe("BAD_REQUEST");
    expect(unknown.message).toBe('Invalid input: Unrecognized key: "page"');
  });
});
