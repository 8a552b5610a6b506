import { type AddressInfo, type Server, type Socket, createServer, connect as netConnect } from "node:net";
import { type TestDatabase, createTestDatabase, ensurePgBouncer, sql } from "@s3ssions/testing";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CommandTimeoutError } from "../src/command-timeout.js";
import { classifyDatabaseError } from "../src/database-errors.js";
import { type Database, createDatabase } from "../src/database.js";
import { sql as sqlTag } from "../src/sql.js";

let tdb: TestDatabase;
let sessionId: string;
const opened: Database[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

function open(url: string): Database {
  const db = createDatabase({ url });
  opened.push(db);
  return db;
}

/** A direct connection holding `session`'s row lock in an open transaction, until released. */
async function holdRowLock(id: string) {
  const locker = new pg.Client({ connectionString: tdb.directUrl });
  locker.on("error", () => {});
  await locker.connect();
  await locker.query("BEGIN");
  await locker.query("SELECT id FROM sessions WHERE id = $1 FOR UPDATE", [id]);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await locker.query("COMMIT").catch(() => {});
    await locker.end().catch(() => {});
  };
  cleanups.push(release);
  return {
    /** Statements of other backends on the test database that are still running. */
    async othersRunning(): Promise<{ pid: number; state: string; wait: string | null; query: string }[]> {
      // Inside a transaction the activity view is a snapshot taken at first use: refresh it.
      await locker.query("SELECT pg_stat_clear_snapshot()");
      const { rows } = await locker.query(
        `SELECT pid, state, wait_event_type AS wait, query FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
      );
      return rows;
    },
    release,
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("cmdtimeout");
  const [row] = await sql<{ id: string }>(
    tdb.directUrl,
    `INSERT INTO sessions (id, host_id, title, starts_at, ends_at, timezone, capacity, updated_at)
     VALUES (gen_random_uuid(), gen_random_uuid(), 'lock target', now() + interval '1 day',
             now() + interval '25 hours', 'UTC', 5, now()) RETURNING id::text`,
  );
  sessionId = row!.id;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await tdb?.drop();
});

describe("the command timeout (socket_timeout) through PgBouncer transaction mode", () => {
  it("cancels a statement blocked on a row lock inside a transaction, on the server; the connection serves the next query", async () => {
    const db = open(tdb.pooledUrl({ pgbouncer: true, connection_limit: 1, socket_timeout: 1 }));
    await (await db.ready()).$queryRaw`SELECT 1`;
    const clientBefore = await new Promise<pg.PoolClient>((resolve, reject) =>
      db.pool.connect((error, client, done) => {
        if (error || !client) return reject(error);
        done();
        resolve(client);
      }),
    );
    const lock = await holdRowLock(sessionId);

    const started = performance.now();
    const error = await caught(
      db.transaction((tx) => tx.query(sqlTag`SELECT id FROM sessions WHERE id = ${sessionId}::uuid FOR UPDATE`)),
    );
    const elapsed = performance.now() - started;
    expect(classifyDatabaseError(error)).toEqual({
      reason: "query cancelled after the command timeout",
      availability: "timeout",
    });
    expect(String((error as Error).message)).toContain("cancelled on the server");
    expect(elapsed).toBeGreaterThan(900);
    expect(elapsed).toBeLessThan(4_000);
    // The statement is gone from the server, not left waiting for the lock.
    expect(await lock.othersRunning()).toEqual([]);

    await lock.release();
    expect(await (await db.ready()).$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }]);
    // Still the same connection: nothing had to be thrown away.
    expect(db.pool.totalCount).toBe(1);
    const clientAfter = await db.pool.connect();
    clientAfter.release();
    expect(clientAfter).toBe(clientBefore);
  });

  it("cancels a slow statement outside a transaction the same way", async () => {
    const db = open(tdb.pooledUrl({ pgbouncer: true, connection_limit: 1, socket_timeout: 1 }));
    const started = performance.now();
    const error = await caught((await db.ready()).$queryRaw`SELECT pg_sleep(30)`);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(classifyDatabaseError(error)?.availability).toBe("timeout");
    const running = await sql(
      tdb.directUrl,
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
    );
    expect(running).toEqual([]);
    expect(await (await db.ready()).$queryRaw`SELECT 2 AS two`).toEqual([{ two: 2 }]);
  });

  it("a transaction that outlives its own limit (command timeout + grace) reads as a timeout, commits nothing; the connection stays usable", async () => {
    const db = open(tdb.pooledUrl({ pgbouncer: true, connection_limit: 1, socket_timeout: 1 }));
    await db.ready();
    let sent = 0;
    const error = await caught(
      db.transaction(async (tx) => {
        await tx.execute(sqlTag`UPDATE sessions SET title = 'expired' WHERE id = ${sessionId}::uuid`);
        // Each statement is under the command timeout; together they pass the transaction's 2 s.
        for (let i = 0; i < 5; i++) {
          await tx.query(sqlTag`SELECT pg_sleep(0.6)::text AS slept`);
          sent += 1;
        }
      }),
    );
    expect(classifyDatabaseError(error)).toEqual({ reason: "transaction timeout", availability: "timeout" });
    // 0.6 s each against a 2 s limit: the fourth or, on a loaded machine, an earlier one is refused.
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sent).toBeLessThan(5);
    expect(await db.query(sqlTag`SELECT count(*)::int AS n FROM sessions WHERE title = 'expired'`)).toEqual([{ n: 0 }]);
    expect(db.pool.totalCount).toBe(1);
  });

  it("control: pg's own query_timeout gives up on the client and leaves the statement waiting on the server", async () => {
    const pool = new pg.Pool({ connectionString: tdb.pooledUrl({}), max: 1, query_timeout: 1000 });
    pool.on("error", () => {});
    cleanups.push(() => pool.end().catch(() => {}));
    const lock = await holdRowLock(sessionId);
    const client = await pool.connect();
    await client.query("BEGIN");
    const error = await caught(client.query("SELECT id FROM sessions WHERE id = $1 FOR UPDATE", [sessionId]));
    expect(String(error)).toContain("Query read timeout");
    const running = await lock.othersRunning();
    expect(running).toEqual([expect.objectContaining({ state: "active", wait: "Lock" })]);
    client.release(true);
  });
});

/** A TCP relay to Postgres that can stop passing bytes: a network that went silent. */
async function startRelay(targetPort: number): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    sockets.add(inbound);
    inbound.on("close", () => sockets.delete(inbound));
    inbound.on("error", () => {});
    if (frozen) return void inbound.pause(); // accepted, never answered (the cancel request lands here)
    const outbound = netConnect(targetPort, "127.0.0.1");
    sockets.add(outbound);
    outbound.on("error", () => inbound.destroy());
    inbound.on("close", () => outbound.destroy());
    outbound.on("close", () => inbound.destroy());
    inbound.on("data", (chunk) => !frozen && outbound.write(chunk));
    outbound.on("data", (chunk) => !frozen && inbound.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freeze() {
      frozen = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("when the cancel cannot get through", () => {
  it("closes the connection after the grace period; the query fails as a timeout and the pool opens a new one", async () => {
    const relay = await startRelay(5432);
    cleanups.push(() => relay.close());
    const db = open(`postgresql://postgres@127.0.0.1:${relay.port}/${tdb.name}?connection_limit=1&socket_timeout=1`);
    expect(await (await db.ready()).$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }]);
    relay.freeze();

    const started = performance.now();
    const error = await caught((await db.ready()).$queryRaw`SELECT 1 AS one`);
    const elapsed = performance.now() - started;
    // 1 s timeout + 1 s grace after the (unanswered) cancel request.
    expect(elapsed).toBeGreaterThan(1_900);
    expect(elapsed).toBeLessThan(6_000);
    expect(classifyDatabaseError(error)?.availability).toBe("timeout");
    expect(String((error as Error).message)).toContain("connection closed");
    expect(db.pool.totalCount).toBe(0);
  });

  it("CommandTimeoutError reads as SQLSTATE 57014 to the driver adapter", () => {
    const error = new CommandTimeoutError(1000, "server");
    expect(error).toMatchObject({ code: "57014", severity: "ERROR", timeoutMs: 1000 });
  });
});
