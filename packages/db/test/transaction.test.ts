import { createTestDatabase, ensurePgBouncer, type TestDatabase } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../src/database.js";
import { sql } from "../src/sql.js";

describe("db.transaction: one pooled connection, BEGIN … COMMIT, through PgBouncer in transaction mode", () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    await ensurePgBouncer();
    tdb = await createTestDatabase("transaction");
    db = createDatabase({ url: tdb.pooledUrl({ pgbouncer: true, connection_limit: 2 }) });
    await db.ready();
    await db.execute(sql`CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)`);
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it("commits what the work wrote, and answers what it returned", async () => {
    const result = await db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO notes VALUES (1, 'one')`);
      return tx.query<{ body: string }>(sql`SELECT body FROM notes WHERE id = 1`);
    });
    expect(result).toEqual([{ body: "one" }]);
    expect(await db.query(sql`SELECT body FROM notes WHERE id = 1`)).toEqual([{ body: "one" }]);
  });

  it("runs every statement in one server transaction, invisible to others until it commits", async () => {
    await db.transaction(async (tx) => {
      const [first] = await tx.query<{ xid: string }>(sql`SELECT txid_current()::text AS xid`);
      await tx.execute(sql`INSERT INTO notes VALUES (2, 'two')`);
      expect(await db.query(sql`SELECT 1 FROM notes WHERE id = 2`)).toEqual([]);
      const [second] = await tx.query<{ xid: string }>(sql`SELECT txid_current()::text AS xid`);
      expect(second!.xid).toBe(first!.xid);
    });
    expect(await db.query(sql`SELECT body FROM notes WHERE id = 2`)).toEqual([{ body: "two" }]);
  });

  it("rolls back when the work throws, and rethrows its error", async () => {
    const error = await db
      .transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO notes VALUES (3, 'three')`);
        throw new Error("changed my mind");
      })
      .catch((e: unknown) => e);
    expect(error).toEqual(new Error("changed my mind"));
    expect(await db.query(sql`SELECT 1 FROM notes WHERE id = 3`)).toEqual([]);
  });

  it("rolls back after a failed statement (a unique violation), and the connection serves the next transaction", async () => {
    const error = await db
      .transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO notes VALUES (4, 'four')`);
        await tx.execute(sql`INSERT INTO notes VALUES (1, 'again')`);
      })
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("23505");
    expect(await db.query(sql`SELECT 1 FROM notes WHERE id = 4`)).toEqual([]);
    expect(await db.transaction((tx) => tx.query(sql`SELECT count(*)::int AS n FROM notes`))).toEqual([{ n: 2 }]);
    expect(db.pool.idleCount).toBe(db.pool.totalCount);
  });

  it("discards a connection that died inside the transaction; the next one gets a fresh connection", async () => {
    const error = await db
      .transaction(async (tx) => {
        await tx.query(sql`SELECT pg_terminate_backend(pg_backend_pid())`);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await db.transaction((tx) => tx.query(sql`SELECT 5 AS five`))).toEqual([{ five: 5 }]);
  });
});
