import { type TestDatabase, bookingInvariants, createTestDatabase, ensurePgBouncer } from "@s3ssions/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../src/database.js";
import { buildDemoData, seedDemoData } from "../src/seed/index.js";

const NOW = new Date("2026-06-15T00:00:00Z");
const DAY = 86_400_000;

/** What demo data must also get right beyond the API's invariants (all counts must be 0). */
const SEED_ORDER_SQL = `
  SELECT
    (SELECT count(*) FROM bookings a JOIN bookings b
       ON a.session_id = b.session_id AND a.seq < b.seq AND a.created_at > b.created_at)::int AS seq_out_of_arrival_order,
    (SELECT count(*) FROM bookings b JOIN sessions s ON s.id = b.session_id
       WHERE b.created_at < s.created_at OR b.created_at > s.starts_at)::int AS booked_outside_window`;

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("buildDemoData", () => {
  const data = buildDemoData({ now: NOW });

  it("is deterministic: same options, same rows; another seed, other rows", () => {
    expect(buildDemoData({ now: NOW })).toEqual(data);
    const other = buildDemoData({ now: NOW, seed: 7 });
    expect(other.sessions.map((s) => s.id)).not.toEqual(data.sessions.map((s) => s.id));
  });

  it("has a few hundred sessions from ~20 hosts, two weeks back to eight weeks ahead", () => {
    expect(data.sessions).toHaveLength(300);
    expect(new Set(data.sessions.map((s) => s.hostId)).size).toBeGreaterThanOrEqual(15);
    const starts = data.sessions.map((s) => new Date(s.startsAt).getTime());
    // Local times in zones from UTC−7 to UTC+13 shift a day by at most ±1.
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(NOW.getTime() - 15 * DAY);
    expect(Math.max(...starts)).toBeLessThan(NOW.getTime() + 57 * DAY);
    expect(starts.filter((t) => t < NOW.getTime()).length).toBeGreaterThan(30);
    expect(buildDemoData({ now: NOW, sessions: 12 }).sessions).toHaveLength(12);
  });

  it("has realistic fields: IANA zones, a place or an https link, capacities 5..60, some cancelled", () => {
    for (const s of data.sessions) {
      expect(() => new Intl.DateTimeFormat("en", { timeZone: s.timezone })).not.toThrow();
      expect(s.timezone).toMatch(/^[A-Z][a-z]+\/[A-Za-z_]+$/);
      expect(Boolean(s.location) !== Boolean(s.onlineUrl)).toBe(true);
      if (s.onlineUrl) expect(new URL(s.onlineUrl).protocol).toBe("https:");
      expect(s.capacity).toBeGreaterThanOrEqual(5);
      expect(s.capacity).toBeLessThanOrEqual(60);
      expect(new Date(s.endsAt).getTime()).toBeGreaterThan(new Date(s.startsAt).getTime());
      expect(s.title.length).toBeLessThanOrEqual(200);
      // Starts on a quarter hour of the host's wall clock, at a daytime hour.
      const local = new Intl.DateTimeFormat("en-GB", {
        timeZone: s.timezone,
        hour: "numeric",
        minute: "numeric",
        hourCycle: "h23",
      }).format(new Date(s.startsAt));
      const [hour, minute] = local.split(":").map(Number);
      expect([0, 15, 30, 45]).toContain(minute);
      expect(hour).toBeGreaterThanOrEqual(7);
      expect(hour).toBeLessThanOrEqual(20);
    }
    const cancelled = data.sessions.filter((s) => s.status === "cancelled").length;
    expect(cancelled).toBeGreaterThan(0);
    expect(cancelled).toBeLessThan(data.sessions.length / 5);
    expect(new Set(data.sessions.map((s) => s.timezone)).size).toBeGreaterThan(5);
  });

  it("has bookings from ~200 users in every status, none after the anchor time", () => {
    const users = new Set(data.bookings.map((b) => b.userId));
    expect(users.size).toBeGreaterThan(150);
    expect(users.size).toBeLessThanOrEqual(200);
    const statuses = new Set(data.bookings.map((b) => b.status));
    expect([...statuses].sort()).toEqual(["cancelled", "confirmed", "waitlisted"]);
    expect(Math.max(...data.bookings.map((b) => new Date(b.createdAt ?? 0).getTime()))).toBeLessThanOrEqual(
      NOW.getTime(),
    );
  });
});

describe("seedDemoData against Postgres", () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    await ensurePgBouncer();
    tdb = await createTestDatabase("seed");
  });
  afterAll(() => tdb?.drop());

  it("writes rows that hold every invariant, through the transaction pooler", async () => {
    const db = createDatabase({ url: tdb.pooledUrl() });
    try {
      const result = await seedDemoData((await db.ready()), { now: NOW });
      const expected = buildDemoData({ now: NOW });
      expect(result).toEqual({ seeded: true, sessions: 300, bookings: expected.bookings.length });
    } finally {
      await db.close();
    }
    const [counts] = await query<{ sessions: number; bookings: number; waitlisted: number; full: number }>(
      tdb.directUrl,
      `SELECT (SELECT count(*) FROM sessions)::int AS sessions, (SELECT count(*) FROM bookings)::int AS bookings,
              (SELECT count(*) FROM bookings WHERE status = 'waitlisted')::int AS waitlisted,
              (SELECT count(*) FROM sessions WHERE confirmed_count = capacity)::int AS full`,
    );
    expect(counts?.sessions).toBe(300);
    expect(counts?.waitlisted).toBeGreaterThan(0);
    expect(counts?.full).toBeGreaterThan(0);
    expect(await bookingInvariants(tdb.directUrl)).toEqual({
      overbooked: [],
      counterDrift: [],
      missedPromotion: [],
      doubleActive: [],
      activeInCancelled: [],
    });
    const [violations] = await query(tdb.directUrl, SEED_ORDER_SQL);
    expect(violations).toEqual({
      seq_out_of_arrival_order: 0,
      booked_outside_window: 0,
    });
  });

  it("does not seed a database that already has sessions", async () => {
    const before = await query<{ n: number; latest: Date }>(
      tdb.directUrl,
      "SELECT count(*)::int AS n, max(updated_at) AS latest FROM bookings",
    );
    const db = createDatabase({ url: tdb.directUrl });
    try {
      const result = await seedDemoData((await db.ready()), { now: new Date(NOW.getTime() + DAY), seed: 99 });
      expect(result).toEqual({ seeded: false, sessions: 300, bookings: before[0]?.n });
    } finally {
      await db.close();
    }
    expect(await query(tdb.directUrl, "SELECT count(*)::int AS n, max(updated_at) AS latest FROM bookings")).toEqual(
      before,
    );
  });

  it("seeds once when two seeders race on an empty database", async () => {
    const fresh = await createTestDatabase("seedrace");
    const a = createDatabase({ url: fresh.pooledUrl() });
    const b = createDatabase({ url: fresh.pooledUrl() });
    try {
      const results = await Promise.all([
        seedDemoData((await a.ready()), { now: NOW, sessions: 40 }),
        seedDemoData((await b.ready()), { now: NOW, sessions: 40 }),
      ]);
      expect(results.map((r) => r.seeded).sort()).toEqual([false, true]);
      const [row] = await query<{ n: number }>(fresh.directUrl, "SELECT count(*)::int AS n FROM sessions");
      expect(row?.n).toBe(40);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await fresh.drop();
    }
  });
});
