import { sql as statement } from "@s3ssions/db";
import { sql } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Procedures, sessionInput, startProcedures } from "../routers/procedures.js";
import { feedOf } from "./streams.js";

// The feed's entries are the database's: a deferred trigger on `sessions` appends one at
// the COMMIT of every transaction that changed a session's seats or status (migration
// 20261204120000_session_feed_at_commit). Through the real pooler, on the app's own pool.

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("feed_at_commit");
});
afterAll(() => p?.close());

async function newSession(capacity = 10): Promise<string> {
  const host = await p.as();
  return (await host.api.sessions.create(sessionInput({ capacity }))).id;
}

const setCounts = (id: string, confirmed: number) =>
  statement`UPDATE sessions SET confirmed_count = ${confirmed}::int WHERE id = ${id}::uuid`;

describe("the feed, appended at COMMIT", () => {
  it("one entry per changed session and transaction, holding the row as the transaction leaves it", async () => {
    const [a, b] = [await newSession(), await newSession()];
    await p.db.transaction(async (tx) => {
      await tx.execute(setCounts(a, 1));
      await tx.execute(setCounts(a, 2));
      await tx.execute(setCounts(b, 5));
      await tx.execute(setCounts(a, 3));
    });
    const feed = await feedOf(p.tdb.directUrl, [a, b]);
    expect(feed.map(({ sessionId, confirmedCount }) => ({ sessionId, confirmedCount }))).toEqual([
      { sessionId: a, confirmedCount: 3 },
      { sessionId: b, confirmedCount: 5 },
    ]);
  });

  it("nothing for a rolled-back change, nor for a change no live viewer sees", async () => {
    const id = await newSession();
    await expect(
      p.db.transaction(async (tx) => {
        await tx.execute(setCounts(id, 4));
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    await p.db.execute(statement`UPDATE sessions SET title = 'Renamed', updated_at = now() WHERE id = ${id}::uuid`);
    await p.db.execute(statement`UPDATE sessions SET capacity = capacity WHERE id = ${id}::uuid`);
    expect(await feedOf(p.tdb.directUrl, [id])).toEqual([]);
  });

  it("positions follow the commits, not the updates: a change that commits later gets the later position", async () => {
    const [first, second] = [await newSession(), await newSession()];
    let releaseFirst = () => {};
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let firstUpdated = () => {};
    const firstHasUpdated = new Promise<void>((resolve) => {
      firstUpdated = resolve;
    });
    // A second pool: the app's pool has one connection (connection_limit=1).
    const other = p.instance().runtime.db;
    const early = p.db.transaction(async (tx) => {
      await tx.execute(setCounts(first, 1)); // updated first…
      firstUpdated();
      await firstHolds;
    });
    await firstHasUpdated;
    await other.transaction(async (tx) => {
      await tx.execute(setCounts(second, 1)); // …but committed second
    });
    releaseFirst();
    await early;
    const feed = await feedOf(p.tdb.directUrl, [first, second]);
    expect(feed.map((entry) => entry.sessionId)).toEqual([second, first]);
    expect(BigInt(feed[1]!.position)).toBeGreaterThan(BigInt(feed[0]!.position));
  });

  it("a booking through the API gets exactly one entry, with its new count", async () => {
    const id = await newSession();
    const guest = await p.as();
    const before = await sql<{ n: string }>(p.tdb.directUrl, "SELECT count(*)::text AS n FROM session_feed");
    await guest.api.bookings.create({ sessionId: id });
    const feed = await feedOf(p.tdb.directUrl, [id]);
    expect(feed).toHaveLength(1);
    expect(feed[0]!.confirmedCount).toBe(1);
    const after = await sql<{ n: string }>(p.tdb.directUrl, "SELECT count(*)::text AS n FROM session_feed");
    expect(Number(after[0]!.n) - Number(before[0]!.n)).toBe(1);
  });
});
