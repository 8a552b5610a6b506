import { createTestDatabase, ensurePgBouncer, type TestDatabase } from "@s3ssions/testing";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkDatabase } from "../src/check-database.js";
import { createDatabase, type Database } from "../src/database.js";
import { newQueryTiming, timedDatabase } from "../src/query-timing.js";

/**
 * `Database.ping` behind the instance's one connection (`connection_limit=1`), through the
 * real pooler. A round trip is an acquisition of the pool's only connection: each ping
 * holds it for exactly one statement, so acquisitions count statements.
 */
describe("Database.ping: one round trip for the probes waiting for the connection, never a stale one", () => {
  let tdb: TestDatabase;
  const opened: Database[] = [];

  /** A database on one connection, and the number of times that connection was handed out. */
  function open() {
    const db = createDatabase({ url: tdb.pooledUrl({ connection_limit: 1 }) });
    opened.push(db);
    const counter = { acquired: 0 };
    db.pool.on("acquire", () => {
      counter.acquired += 1;
    });
    return { db, counter };
  }

  /**
   * The next connection handed out answers its next statement only when `release()` is
   * called (the statement itself has gone to the server): a round trip held in flight.
   */
  function holdNextRoundTrip(db: Database) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let sent!: () => void;
    const onWire = new Promise<void>((resolve) => {
      sent = resolve;
    });
    db.pool.once("acquire", (client: pg.PoolClient) => {
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as { query: unknown }).query = async (...args: unknown[]) => {
        (client as { query: unknown }).query = query;
        const answer = query(...args);
        sent();
        const result = await answer;
        await gate;
        return result;
      };
    });
    return { onWire, release };
  }

  beforeAll(async () => {
    await ensurePgBouncer();
    tdb = await createTestDatabase("shared_ping");
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("answers every probe that asked while the connection was busy with one statement", async () => {
    const { db, counter } = open();
    const busy = await db.pool.connect();
    counter.acquired = 0;
    const probes = Array.from({ length: 10 }, () => db.ping());
    busy.release();
    await Promise.all(probes);
    expect(counter.acquired).toBe(1);
  });

  it("never joins a ping already on the wire: the next probe gets a round trip of its own", async () => {
    const { db, counter } = open();
    const held = holdNextRoundTrip(db);
    const first = db.ping();
    await held.onWire;
    const second = db.ping();
    const third = db.ping();
    expect(third).toBe(second);
    held.release();
    await Promise.all([first, second, third]);
    expect(counter.acquired).toBe(2);
  });

  it("gives a failed round trip's error to each probe that waited on it; the next one starts afresh", async () => {
    const { db, counter } = open();
    const busy = await db.pool.connect();
    counter.acquired = 0;
    db.pool.once("acquire", (client: pg.PoolClient) => {
      (client as { query: unknown }).query = () => Promise.reject(new Error("connection lost mid-ping"));
    });
    const probes = Array.from({ length: 5 }, () => db.ping());
    busy.release();
    const results = await Promise.allSettled(probes);
    expect(results.map((r) => r.status)).toEqual(Array(5).fill("rejected"));
    expect(new Set(results.map((r) => (r as PromiseRejectedResult).reason.message))).toEqual(
      new Set(["connection lost mid-ping"]),
    );
    // The connection whose statement failed was discarded, as pg-pool's own query does.
    expect(db.pool.totalCount).toBe(0);
    await db.ping();
    expect(counter.acquired).toBe(2);
  });

  it("reports each check's own latency, and each request's timed view counts the round trip it waited on", async () => {
    const { db } = open();
    const busy = await db.pool.connect();
    const early = newQueryTiming();
    const late = newQueryTiming();
    const first = checkDatabase(timedDatabase(db, early));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const second = checkDatabase(timedDatabase(db, late));
    busy.release();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toMatchObject({ ok: true });
    // Both waited for the same round trip; the first asked 60 ms earlier.
    expect(a.latencyMs - b.latencyMs).toBeGreaterThanOrEqual(50);
    expect(early.queries).toBe(1);
    expect(late.queries).toBe(1);
    expect(early.dbMs).toBeGreaterThanOrEqual(59);
  });
});
