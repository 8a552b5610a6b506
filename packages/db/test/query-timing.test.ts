import { createTestDatabase, type TestDatabase } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../src/database.js";
import { newQueryTiming, timedDatabase } from "../src/query-timing.js";
import { sql } from "../src/sql.js";

describe("timedDatabase: a request's calls timed into its own record, through the pooler", () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase("timing");
    db = createDatabase({ url: tdb.pooledUrl({ connection_limit: 2 }) });
    await db.ready();
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it("counts each statement on the pool and the time until it answered", async () => {
    const timing = newQueryTiming();
    const view = timedDatabase(db, timing);
    const [row] = await view.query<{ slept: string }>(sql`SELECT pg_sleep(0.05)::text AS slept`);
    expect(row).toEqual({ slept: "" });
    expect(await view.execute(sql`SELECT 1`)).toBe(1);
    expect(timing.queries).toBe(2);
    expect(timing.dbMs).toBeGreaterThanOrEqual(49);
  });

  it("counts Prisma's operations, those inside an interactive transaction included", async () => {
    const timing = newQueryTiming();
    const view = timedDatabase(db, timing);
    await view.prisma.session.findMany({ take: 1 });
    const inside = await view.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT pg_sleep(0.03)::text`;
      return tx.booking.count();
    });
    expect(inside).toBe(0);
    expect(timing.queries).toBe(3);
    expect(timing.dbMs).toBeGreaterThanOrEqual(29);
  });

  it("counts the statements of the request's transactions (BEGIN and COMMIT not counted)", async () => {
    const timing = newQueryTiming();
    const answer = await timedDatabase(db, timing).transaction(async (tx) => {
      await tx.query(sql`SELECT pg_sleep(0.03)::text`);
      return tx.execute(sql`SELECT 1`);
    });
    expect(answer).toBe(1);
    expect(timing.queries).toBe(2);
    expect(timing.dbMs).toBeGreaterThanOrEqual(29);
  });

  it("keeps each request's record to itself while both run at once, and the process handle untimed", async () => {
    const [a, b] = [newQueryTiming(), newQueryTiming()];
    await Promise.all([
      timedDatabase(db, a).query(sql`SELECT pg_sleep(0.02)`),
      timedDatabase(db, b).prisma.$queryRaw`SELECT 1`,
      timedDatabase(db, b).query(sql`SELECT 2`),
      db.query(sql`SELECT 3`),
      db.prisma.session.count(),
    ]);
    expect(a.queries).toBe(1);
    expect(b.queries).toBe(2);
    expect(a.dbMs).toBeGreaterThanOrEqual(19);
  });

  it("counts a failed statement too", async () => {
    const timing = newQueryTiming();
    await expect(timedDatabase(db, timing).query(sql`SELECT * FROM no_such_table`)).rejects.toThrow();
    await expect(timedDatabase(db, timing).prisma.$queryRaw`SELECT * FROM no_such_table`).rejects.toThrow();
    expect(timing.queries).toBe(2);
  });
});
