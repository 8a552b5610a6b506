import { type TestDatabase, createTestDatabase, ensurePgBouncer, pgbouncerClientCount } from "@s3ssions/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDatabase } from "../src/check-database.js";
import { type Database, createDatabase } from "../src/database.js";

let tdb: TestDatabase;
const opened: Database[] = [];

function open(url: string, unsafe?: Parameters<typeof createDatabase>[0]["unsafeAdapterOptions"]): Database {
  const db = createDatabase({ url, unsafeAdapterOptions: unsafe });
  opened.push(db);
  return db;
}

/** Runs `work` while sampling PgBouncer's client count for the test database. */
async function peakClients(work: () => Promise<unknown>): Promise<number> {
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await pgbouncerClientCount(tdb.name));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await sampler;
  }
  return peak;
}

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("db");
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await tdb?.drop();
});

describe("the Prisma client through PgBouncer transaction mode", () => {
  it("holds one pooler connection under 30 concurrent queries when connection_limit=1", async () => {
    const db = open(tdb.pooledUrl({ pgbouncer: true, connection_limit: 1 }));
    const prisma = await db.ready();
    const peak = await peakClients(() =>
      Promise.all(Array.from({ length: 30 }, () => prisma.$queryRaw`SELECT pg_sleep(0.02)::text AS slept, 1 AS one`)),
    );
    expect(peak).toBe(1);
    expect(db.pool.totalCount).toBe(1);
  });

  it("control: pg alone ignores connection_limit and opens more", async () => {
    const pool = new pg.Pool({ connectionString: tdb.pooledUrl({ pgbouncer: true, connection_limit: 1 }) });
    try {
      const peak = await peakClients(() =>
        Promise.all(Array.from({ length: 30 }, () => pool.query("SELECT pg_sleep(0.02)"))),
      );
      expect(peak).toBeGreaterThan(1);
    } finally {
      await pool.end();
    }
  });

  it("identifies itself as s3ssions_unified", async () => {
    const db = open(tdb.pooledUrl());
    const rows = await (await db.ready()).$queryRaw<{ name: string }[]>`SELECT current_setting('application_name') AS name`;
    expect(rows[0]?.name).toBe("s3ssions_unified");
  });

  it("never names a statement: the server session has none prepared afterwards", async () => {
    const db = open(tdb.pooledUrl());
    await (await db.ready()).session.findMany({ where: { capacity: { gt: 0 } }, take: 1 });
    await (await db.ready()).$transaction([(await db.ready()).task.count(), (await db.ready()).booking.count()]);
    const rows = await (await db.ready()).$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_prepared_statements`;
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it("control: with a statement name generator the same check finds named statements", async () => {
    const db = open(tdb.pooledUrl(), { statementNameGenerator: (q) => `s3_${q.sql.length}` });
    const rows = await (await db.ready()).$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_prepared_statements`;
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
    // Leave no named statement behind on a shared server connection.
    await (await db.ready()).$executeRawUnsafe("DEALLOCATE ALL");
  });

  it("runs interactive transactions through the pooler", async () => {
    const db = open(tdb.pooledUrl());
    const count = await (await db.ready()).$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('s3.probe', 'x', true)`;
      return tx.task.count();
    });
    expect(count).toBe(0);
  });
});

describe("checkDatabase", () => {
  it("reports a round trip's latency when connected", async () => {
    const result = await checkDatabase(open(tdb.pooledUrl()));
    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.latencyMs).toBeLessThan(5_000);
  });

  it.each([
    ["nothing listens", "postgresql://postgres:hunter2@127.0.0.1:1/x", "connection refused"],
    [
      "the database is missing",
      "postgresql://postgres:hunter2@127.0.0.1:5432/s3_missing_db",
      "database does not exist",
    ],
  ])("gives a short, secret-free reason when %s", async (_, url, reason) => {
    const result = await checkDatabase(open(`${url}?connect_timeout=3`));
    expect(result).toMatchObject({ ok: false, reason });
    expect(JSON.stringify(result)).not.toMatch(/hunter2|postgres:|127\.0\.0\.1/);
  });

  it("gives up within the connect timeout when the server never answers", async () => {
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as import("node:net").AddressInfo).port;
    try {
      const started = performance.now();
      const result = await checkDatabase(open(`postgresql://u:p@127.0.0.1:${port}/x?connect_timeout=1`));
      const elapsed = performance.now() - started;
      expect(result).toMatchObject({ ok: false, reason: "connect timeout" });
      expect(elapsed).toBeGreaterThan(900);
      expect(elapsed).toBeLessThan(4_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
