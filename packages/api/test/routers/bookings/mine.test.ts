import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodeOf, type Procedures, sessionInput, startProcedures } from "../procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("bookings_mine");
});
afterAll(() => p?.close());

describe("bookings.mine: happy", () => {
  it("pages the caller's bookings newest first, and only theirs", async () => {
    const host = await p.as();
    const user = await p.as();
    const stranger = await p.as();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await host.api.sessions.create(sessionInput({ title: `B${i}` }));
      ids.push((await user.api.bookings.create({ sessionId: s.id })).id);
      await stranger.api.bookings.create({ sessionId: s.id });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await user.api.bookings.mine({ limit: 2, cursor });
      expect(page.items.every((b) => b.userId === user.userId)).toBe(true);
      seen.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await user.api.bookings.mine({ status: "cancelled" })).items).toEqual([]);
  });

  it("takes tRPC's infinite-query input (cursor null, direction forward)", async () => {
    const host = await p.as();
    const user = await p.as();
    for (let i = 0; i < 3; i++) {
      const s = await host.api.sessions.create(sessionInput({ title: `M${i}` }));
      await user.api.bookings.create({ sessionId: s.id });
    }
    const first = await user.api.bookings.mine({ limit: 2, cursor: null, direction: "forward" });
    const second = await user.api.bookings.mine({ limit: 2, cursor: first.nextCursor, direction: "forward" });
    expect([...first.items, ...second.items]).toHaveLength(3);
    expect(second.nextCursor).toBeNull();
  });
});

describe("bookings.mine: errors", () => {
  it("refuses direction backward and keys it does not know", async () => {
    const user = await p.as();
    expect(await errorCodeOf(user.api.bookings.mine({ direction: "backward" as "forward" }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(user.api.bookings.mine({ sessionId: "x" } as never))).toBe("BAD_REQUEST");
  });
});

describe("bookings.mine: security", () => {
  it("requires a signed-in caller", async () => {
    expect(await errorCodeOf(p.anonymous.bookings.mine())).toBe("UNAUTHORIZED");
  });
});
