import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";

/** Database time spent on behalf of one request. */
export interface QueryTiming {
  dbMs: number;
  queries: number;
}

const current = new AsyncLocalStorage<QueryTiming>();

/** Runs `fn` with a fresh timing record; every query it causes (through any path) adds to it. */
export function withQueryTiming<T>(fn: () => Promise<T>): { timing: QueryTiming; result: Promise<T> } {
  const timing: QueryTiming = { dbMs: 0, queries: 0 };
  return { timing, result: current.run(timing, fn) };
}

type AnyQuery = (...args: unknown[]) => unknown;

/** Wraps a `query` method so that the call adds its duration to the caller's record. */
function timed(query: AnyQuery): AnyQuery {
  return (...args: unknown[]) => {
    // The record is taken when the query is issued: a callback may later run in the
    // async context of whoever released the connection.
    const timing = current.getStore();
    if (!timing) return query(...args);
    const started = performance.now();
    const done = () => {
      timing.dbMs += performance.now() - started;
      timing.queries += 1;
    };
    const last = args.length - 1;
    if (typeof args[last] === "function") {
      const callback = args[last] as (...a: unknown[]) => unknown;
      args[last] = (...a: unknown[]) => {
        done();
        return callback(...a);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result instanceof Promise) result.then(done, done);
    return result;
  };
}

const TIMED = Symbol("s3ssions.timed");

/**
 * Times every query through the pool, Prisma's and raw ones alike, at the driver: what
 * waiting for the connection, the network and the database cost, without the ORM's work.
 * `pool.query` (Prisma outside transactions) and the clients' own `query` (inside
 * transactions) are both wrapped; the pool calls its client with a callback, which the
 * client wrapper leaves to the pool's, so nothing counts twice.
 */
export function instrumentPool(pool: pg.Pool): void {
  (pool as { query: unknown }).query = timed(pool.query.bind(pool) as AnyQuery);
  pool.on("connect", (client) => {
    const tagged = client as pg.PoolClient & { [TIMED]?: true };
    if (tagged[TIMED]) return;
    tagged[TIMED] = true;
    const query = client.query.bind(client) as AnyQuery;
    (client as { query: unknown }).query = (...args: unknown[]) =>
      typeof args[args.length - 1] === "function" ? query(...args) : timed(query)(...args);
  });
}
