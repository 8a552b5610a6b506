import type pg from "pg";

/** pg's callback: `(error, result)`. */
export type NodeCallback<T = unknown> = (error: unknown, result?: T) => void;

/**
 * A promise for a pg call made in its callback form, with the callback built here.
 *
 * Why not pg's own promise forms (`pool.query(text, values)`, `pool.connect()`,
 * `client.query(text)` without a callback): each builds its promise as
 * `new Promise((resolve) => { callback = (e, r) => resolve(r) })`, and under load V8 kept
 * what such a promise reached (a statement's rows, a transaction's whole request) through
 * its young-generation collections, to be promoted to the old space and stay there until a
 * full collection. pg-pool's `promisify` was the largest case: compiled by Maglev (the
 * tier between the interpreter and TurboFan), it kept 20 KB per `sessions.list`, in-process
 * at 32 concurrent calls through the fetch handler with TurboFan off, 0.8 KB when only it
 * was left out of Maglev. Built here, out of the caller's scope, the same calls keep nothing.
 * Why V8 holds them is not established; `pnpm bench:memory` prints the bytes promoted per
 * request, so that a change that brings it back shows.
 */
export function callbackPromise<T>(call: (callback: NodeCallback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => call(settleWith(resolve, reject)));
}

/** The callback that settles a promise: built on its own, so that it closes over nothing else. */
function settleWith<T>(resolve: (value: T) => void, reject: (error: unknown) => void): NodeCallback<T> {
  return (error, result) => (error ? reject(error) : resolve(result as T));
}

/** `pool.connect()`, in pg-pool's callback form (see `callbackPromise`). */
export function connectClient(pool: pg.Pool): Promise<pg.PoolClient> {
  return callbackPromise<pg.PoolClient>((callback) => pool.connect(callback));
}
