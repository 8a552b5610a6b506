import type { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { PrismaClient } from "./generated/prisma/client.js";
import { callbackPromise, connectClient } from "./callback-promise.js";
import { enforceCommandTimeout, TransactionTimeoutError, transactionLimitMs } from "./command-timeout.js";
import { type ConnectionSettings, parseDatabaseUrl, toPoolConfig } from "./connection-settings.js";
import type { Statement } from "./sql.js";

type PrismaPgOptions = NonNullable<ConstructorParameters<typeof PrismaPg>[1]>;

export interface DatabaseOptions {
  /** A Prisma-style URL; its pooler parameters are honoured (see `parseDatabaseUrl`). */
  url: string;
  /** The PEM root certificate of `SUPABASE_DB_CA_CERT`, for `sslmode=verify-ca|verify-full` without `sslrootcert`. */
  caPem?: string | undefined;
  /**
   * Adapter options for tests that must prove what goes wrong without our defaults
   * (e.g. a `statementNameGenerator`, which breaks behind the pooler). Never set in the app.
   */
  unsafeAdapterOptions?: Pick<PrismaPgOptions, "statementNameGenerator">;
}

/**
 * The process's one database handle: a single `pg` pool capped at `connection_limit`,
 * shared by Prisma (requests and background tasks) and the health check.
 * Nothing connects until the first query.
 */
export interface Database {
  readonly settings: ConnectionSettings;
  readonly pool: pg.Pool;
  /**
   * Prisma's client, once `ready()` has loaded it (reading it before throws): Prisma's
   * runtime and query compiler are loaded at the first query that needs them, not at start.
   * A procedure takes it from `await ctx.db.ready()`; hand-written statements never need it.
   */
  readonly prisma: PrismaClient;
  /** Loads Prisma's client (once; later calls return the same promise). */
  ready(): Promise<PrismaClient>;
  /**
   * One hand-written statement on its own (autocommitted), straight on the pool: built
   * with the `sql` tag (values are bind parameters), sent unnamed and under the command
   * timeout, without Prisma's raw-query layer (a hot read's CPU fell to 0.78×); a request's
   * view of the database (`timedDatabase`) times it. Its rows as `pg` types them (int8 as
   * a string: cast counts to int). Inside a transaction (`transaction`), `tx.query(statement)`.
   */
  query<T extends pg.QueryResultRow>(statement: Statement): Promise<T[]>;
  /** `query` for a statement whose rows are not needed: how many rows it touched. */
  execute(statement: Statement): Promise<number>;
  /**
   * `work` in one transaction on one connection of the pool (`BEGIN` … `COMMIT`, or
   * `ROLLBACK` when it throws): its statements go through `tx` as through `query`, sent
   * unnamed and under the command timeout. Waiting for a connection takes at most the
   * connect timeout; the transaction at most `transactionLimitMs` (past it, no further
   * statement is sent and it rolls back with a `TransactionTimeoutError`). Prisma's
   * interactive transactions cost a booking a sixth of its CPU (`bench:profile booking`);
   * a change here is a few hand-written statements.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * One round trip (`SELECT 1`) that proves the database answers, shared (see `sharedPing`):
   * callers that ask while a ping still waits for a connection get that ping's answer.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What runs statements: the database itself, or a transaction's handle. */
export type Queryable = Pick<Database, "query" | "execute">;

/**
 * Statements on the pool (each on a connection of its own) or on one checked-out connection
 * (a transaction's), after `beforeEach` (a transaction checks its time limit there).
 */
function queryableOn(target: pg.Pool | pg.PoolClient, beforeEach = () => {}): Queryable {
  // pg's callback form: its promise form kept each statement's rows past V8's
  // young-generation collections (callback-promise.ts).
  const run = <T extends pg.QueryResultRow>(statement: Statement) => {
    beforeEach();
    return callbackPromise<pg.QueryResult<T>>((callback) =>
      target.query<T>(statement.text, statement.values as unknown[], callback),
    );
  };
  return {
    async query<T extends pg.QueryResultRow>(statement: Statement) {
      return (await run<T>(statement)).rows;
    },
    async execute(statement: Statement) {
      return (await run(statement)).rowCount ?? 0;
    },
  };
}

/**
 * `SELECT 1` for every caller that asks while one is still waiting for a connection of the
 * pool: behind the instance's one connection (`connection_limit=1`), N health probes that
 * arrive together cost at most two statements and two slots in the queue instead of N (one
 * already on the wire, one shared by the rest), and a booking queued behind them waits at
 * most two round trips, not N (`pnpm bench`, `/health/db` at
 * c=32: pg's write to the pooler was the largest item of a probe's CPU).
 * A ping that holds its connection, and so may already be on the wire, is never joined: a
 * caller's answer always comes from a round trip that began after it asked, as fresh as a
 * statement of its own, and a failure (refused, timed out, cancelled) is every joiner's.
 */
function sharedPing(pool: pg.Pool): () => Promise<void> {
  let waiting: Promise<void> | undefined;
  const ping = async () => {
    let client: pg.PoolClient;
    try {
      client = await connectClient(pool);
    } finally {
      // From here on the statement may be sent: whoever asks next starts a ping of its own.
      // (Only the ping in `waiting` is ever waiting for a connection, so this one is it.)
      waiting = undefined;
    }
    let failed: unknown;
    try {
      await client.query(PING);
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      // As pg-pool's own `query`: a connection whose statement failed is not handed out again.
      client.release(failed instanceof Error ? failed : undefined);
    }
  };
  return () => {
    waiting ??= ping();
    return waiting;
  };
}

const PING = "SELECT 1";

export function createDatabase(options: DatabaseOptions): Database {
  const settings = parseDatabaseUrl(options.url, { caPem: options.caPem });
  const pool = new pg.Pool(toPoolConfig(settings));
  // An idle client whose server went away emits 'error' on the pool; without a listener
  // that would crash the process. The next query reconnects.
  pool.on("error", () => {});
  // A checked-out client can emit 'error' too, with nobody listening: a pooler that sends
  // a FATAL right behind the message that handed the client out (PgBouncer's KILL does:
  // "database removed") reaches it before the driver adapter has attached its listener.
  // The client is unusable afterwards (not queryable), its next query fails and the pool
  // discards it on release; the event itself must not take the process down.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  // A statement past the command timeout is cancelled on the server, through the pooler.
  enforceCommandTimeout(pool, settings.commandTimeoutMs);
  let prisma: PrismaClient | undefined;
  let loading: Promise<PrismaClient> | undefined;
  const ready = () => {
    loading ??= import("./prisma-client.js").then(({ createPrismaClient }) => {
      prisma = createPrismaClient(pool, {
        // Prisma's defaults (2 s to start, 5 s to finish) are shorter than a busy pooler's
        // queue: with one connection per instance, a transaction may wait behind others.
        // The transaction's own limit leaves room for a slow statement's cancel to land first:
        // Prisma expiring the transaction while a statement still runs on its connection
        // would queue the ROLLBACK behind that statement.
        transaction: {
          maxWait: settings.connectTimeoutMs,
          timeout: transactionLimitMs(settings.commandTimeoutMs),
        },
        unsafeAdapterOptions: options.unsafeAdapterOptions,
      });
      return prisma;
    });
    return loading;
  };
  let closing: Promise<void> | undefined;
  return {
    settings,
    pool,
    get prisma() {
      if (!prisma) throw new Error("Prisma is not loaded yet: await db.ready() first");
      return prisma;
    },
    ready,
    ...queryableOn(pool),
    ping: sharedPing(pool),
    async transaction(work) {
      const client = await connectClient(pool);
      const limitMs = transactionLimitMs(settings.commandTimeoutMs);
      const deadline = performance.now() + limitMs;
      const withinLimit = () => {
        if (performance.now() > deadline) throw new TransactionTimeoutError(limitMs);
      };
      let broken: unknown;
      try {
        await client.query("BEGIN");
        const result = await work(queryableOn(client, withinLimit));
        withinLimit();
        await client.query("COMMIT");
        return result;
      } catch (error) {
        // A connection whose ROLLBACK fails (gone, or closed by the command timeout) is not
        // handed out again: the pool discards it.
        await client.query("ROLLBACK").catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    close() {
      // Prisma (when loaded) ends the pool it was given; without it the pool is ours to end.
      closing ??= (async () => {
        const client = prisma ?? (loading ? await loading.catch(() => undefined) : undefined);
        await client?.$disconnect();
        if (!pool.ended) await pool.end();
      })();
      return closing;
    },
  };
}
