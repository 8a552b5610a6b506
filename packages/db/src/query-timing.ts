import type { QueryResultRow } from "pg";
import type { Database, Queryable } from "./database.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import type { Statement } from "./sql.js";

/** Database time spent on behalf of one request. */
export interface QueryTiming {
  dbMs: number;
  queries: number;
}

export function newQueryTiming(): QueryTiming {
  return { dbMs: 0, queries: 0 };
}

/** `pending`, adding the time from `started` (taken before the call) until it settles to `timing`, as one query. */
function timed<T>(timing: QueryTiming, started: number, pending: PromiseLike<T>): Promise<T> {
  const done = () => {
    timing.dbMs += performance.now() - started;
    timing.queries += 1;
  };
  return Promise.resolve(pending).then(
    (value) => {
      done();
      return value;
    },
    (error: unknown) => {
      done();
      throw error;
    },
  );
}

/**
 * Prisma's client with every operation it runs timed into `timing`: model operations and raw
 * statements, those inside an interactive transaction included (a query extension applies to
 * the transaction's client too). An operation's time is Prisma's whole call: the driver's
 * round trip and the ORM's work on it.
 */
function timedPrisma(prisma: PrismaClient, timing: QueryTiming): PrismaClient {
  // A query-only extension keeps the client's API; its type is Prisma's generic extended
  // client, which is the same client to every caller here.
  return prisma.$extends({
    query: {
      $allOperations: ({ args, query }) => timed(timing, performance.now(), query(args)),
    },
  }) as unknown as PrismaClient;
}

/**
 * One request's view of the process's database: the same pool and Prisma client, and every
 * call the request makes through it (`query`, `execute`, Prisma's operations) adds its time
 * to `timing` — what `Server-Timing: db` and the log line's `dbMs`/`dbQueries` report.
 * The record is handed over explicitly, not found through AsyncLocalStorage: its promise
 * hooks cost every promise in the process (a build with them took 1.10–1.14× the CPU per
 * `/health/db` request, `bench:ab`, both orders).
 */
export function timedDatabase(db: Database, timing: QueryTiming): Database {
  return new TimedDatabase(db, timing);
}

/** Statements timed into `timing`: the request's own, and a transaction's (`BEGIN`/`COMMIT` not counted). */
class TimedQueryable implements Queryable {
  constructor(
    private readonly target: Queryable,
    protected readonly timing: QueryTiming,
  ) {}
  query<T extends QueryResultRow>(statement: Statement) {
    return timed(this.timing, performance.now(), this.target.query<T>(statement));
  }
  execute(statement: Statement) {
    return timed(this.timing, performance.now(), this.target.execute(statement));
  }
}

// A class, not an object of closures: one small allocation per request.
class TimedDatabase extends TimedQueryable implements Database {
  #prisma: PrismaClient | undefined;
  constructor(
    private readonly db: Database,
    timing: QueryTiming,
  ) {
    super(db, timing);
  }
  get settings() {
    return this.db.settings;
  }
  get pool() {
    return this.db.pool;
  }
  // Built at the first Prisma call of the request (≈ 13 µs), not for requests without one.
  get prisma() {
    this.#prisma ??= timedPrisma(this.db.prisma, this.timing);
    return this.#prisma;
  }
  /** Loads Prisma's client (see `Database.ready`) and answers it timed. */
  async ready() {
    await this.db.ready();
    return this.prisma;
  }
  transaction<T>(work: (tx: Queryable) => Promise<T>) {
    return this.db.transaction((tx) => work(new TimedQueryable(tx, this.timing)));
  }
  /** A shared ping counts as one statement for each request that waited on it. */
  ping() {
    return timed(this.timing, performance.now(), this.db.ping());
  }
  close() {
    return this.db.close();
  }
}
