import { randomUUID } from "node:crypto";
import { sql } from "@s3ssions/testing";
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

  it("pages bookings made in the same millisecond by id, and filters by status across pages", async () => {
    const host = await p.as();
    const user = await p.as();
    const sessions = [];
    for (let i = 0; i < 5; i++) sessions.push(await host.api.sessions.create(sessionInput({ title: `T${i}` })));
    const at = new Date("2026-11-30T12:00:00.000Z");
    const statuses = ["confirmed", "cancelled", "confirmed", "waitlisted", "confirmed"];
    const ids = sessions.map(() => randomUUID());
    for (const [i, session] of sessions.entries()) {
      await sql(
        p.tdb.directUrl,
        `INSERT INTO bookings (id, session_id, user_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4::"BookingStatus", $5, $5)`,
        [ids[i], session.id, user.userId, statuses[i], at],
      );
    }
    const newestFirst = [...ids].sort().reverse();
    const walk = async (status?: "confirmed") => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await user.api.bookings.mine({ limit: 2, cursor, status });
        seen.push(...page.items.map((b) => b.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    expect(await walk()).toEqual(newestFirst);
    const confirmed = ids.filter((_, i) => statuses[i] === "confirmed");
    expect(await walk("confirmed")).toEqual(newestFirst.filter((id) => confirmed.includes(id)));
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
