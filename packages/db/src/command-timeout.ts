import { type Socket, connect } from "node:net";
import type pg from "pg";
import { callbackPromise, type NodeCallback } from "./callback-promise.js";

/**
 * The command timeout (URL `socket_timeout`), enforced on the server.
 *
 * `pg`'s own `query_timeout` only stops waiting: the statement keeps running (or keeps
 * waiting for a lock) on the server, and the connection goes back to the pool with that
 * statement still in flight, so the next query on it queues behind it. Here a statement
 * that runs past the timeout is cancelled with a Postgres cancel request (a separate
 * connection carrying the session's process id and secret key). PgBouncer forwards
 * cancel requests to the server connection the client is linked to, so this works
 * through a transaction-mode pooler, where a startup `statement_timeout` is refused and
 * a session-level `SET` would leak to other clients.
 *
 * The server answers the cancelled statement with SQLSTATE 57014; the caller gets a
 * {@link CommandTimeoutError} and the connection stays usable (inside a transaction the
 * transaction is aborted, and the ROLLBACK that follows runs at once). If the server
 * does not answer within a grace period after the cancel (pooler or network gone), the
 * connection is closed instead, so that the pool replaces it.
 */

/** SQLSTATE `query_canceled`. */
export const QUERY_CANCELED = "57014";

/** How long after the cancel request the statement may take to end before its connection is closed. */
export function cancelGraceMs(commandTimeoutMs: number): number {
  return Math.min(5_000, Math.max(1_000, commandTimeoutMs));
}

/** A transaction ran past its limit (`transactionLimitMs`): it is rolled back, nothing of it commits. */
export class TransactionTimeoutError extends Error {
  override name = "TransactionTimeoutError";
  constructor(readonly limitMs: number) {
    super(`expired transaction: it ran past its limit of ${limitMs} ms and was rolled back`);
  }
}

/**
 * How long a transaction may run: one statement's command timeout and the grace its
 * cancel gets, so that a slow statement's cancel lands before the transaction gives up.
 */
export function transactionLimitMs(commandTimeoutMs: number): number {
  return commandTimeoutMs + cancelGraceMs(commandTimeoutMs);
}

/**
 * A statement ran past the command timeout. Shaped like a `pg` DatabaseError (code,
 * severity) so that the driver adapter reports SQLSTATE 57014 upwards.
 */
export class CommandTimeoutError extends Error {
  override name = "CommandTimeoutError";
  readonly code = QUERY_CANCELED;
  readonly severity = "ERROR";
  constructor(
    readonly timeoutMs: number,
    /** `server`: cancelled by the server; `closed`: no answer to the cancel, connection closed; `queued`: never sent. */
    readonly outcome: "server" | "closed" | "queued",
    options?: { cause?: unknown },
  ) {
    super(
      outcome === "server"
        ? `command timeout: statement cancelled on the server after ${timeoutMs} ms`
        : outcome === "closed"
          ? `command timeout: no answer ${timeoutMs} ms into the statement nor after the cancel request; connection closed`
          : `command timeout: statement still queued on its connection after ${timeoutMs} ms`,
      options,
    );
  }
}

export interface CommandTimeoutEvents {
  /** A statement passed the timeout: `cancel` sent, or `dequeued` before it was sent. */
  onTimeout?(event: { action: "cancel" | "dequeued" | "no-cancel-key"; timeoutMs: number }): void;
  /** The server did not end the statement within the grace period: its connection was closed. */
  onConnectionClosed?(event: { timeoutMs: number; graceMs: number }): void;
}

/** What this module reads of a `pg` client beyond its public API (pg 8.x). */
interface ClientInternals {
  processID?: number | null;
  secretKey?: number | null;
  host?: string;
  port?: number;
  connection?: { stream?: Socket };
  _activeQuery?: unknown;
  _queryQueue?: unknown[];
}

interface PgQuery {
  handleError?(error: Error, connection: unknown): void;
}

type AnyQuery = (...args: unknown[]) => unknown;
const GUARDED = Symbol("s3ssions.commandTimeout");

/** Sends a CancelRequest for the client's session. Resolves when the other side hung up (or after 5 s). */
export function sendCancelRequest(client: pg.Client | pg.PoolClient): Promise<boolean> {
  const internals = client as unknown as ClientInternals;
  const { processID, secretKey } = internals;
  if (typeof processID !== "number" || typeof secretKey !== "number") return Promise.resolve(false);
  const stream = internals.connection?.stream;
  // The peer the session really talks to (a pooler host name may resolve to several).
  const socket =
    stream?.remoteAddress && stream.remotePort
      ? connect(stream.remotePort, stream.remoteAddress)
      : internals.host?.startsWith("/")
        ? connect(`${internals.host}/.s.PGSQL.${internals.port ?? 5432}`)
        : connect(internals.port ?? 5432, internals.host ?? "localhost");
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4); // CancelRequest code
  packet.writeInt32BE(processID | 0, 8);
  packet.writeInt32BE(secretKey | 0, 12);
  return new Promise((resolve) => {
    let sent = false;
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on("error", () => {});
    socket.on("connect", () => {
      sent = true;
      // The server acts on the packet and then closes; it never answers. Half-closing
      // our side first would make PgBouncer drop the request before forwarding it.
      socket.write(packet);
    });
    socket.on("close", () => resolve(sent));
  });
}

/** Puts the command timeout on every connection `pool` opens (both `pool.query` and checked-out clients). */
export function enforceCommandTimeout(pool: pg.Pool, timeoutMs: number, events: CommandTimeoutEvents = {}): void {
  const graceMs = cancelGraceMs(timeoutMs);
  pool.on("connect", (client) => {
    const tagged = client as pg.PoolClient & { [GUARDED]?: true };
    if (tagged[GUARDED]) return;
    tagged[GUARDED] = true;
    const query = client.query.bind(client) as AnyQuery;
    (client as { query: unknown }).query = (...args: unknown[]) =>
      guardedQuery(client, query, args, timeoutMs, graceMs, events);
  });
}

/**
 * `callback`, told how the statement ended as `settle` reads it. Built out here, and pg's
 * promise form replaced by its callback form (`callback-promise.ts` says why): with the
 * callback written as a closure inside `guardedQuery`, or with pg's own promise form, each
 * statement's rows survived V8's young-generation collections and were promoted to the old
 * space (in-process, 20-row statements one at a time on Node 24: 17.8 KB per statement that
 * way, 0 this way).
 */
function settledCallback(callback: NodeCallback, settle: (error: unknown) => unknown): NodeCallback {
  return (error, res) => callback(settle(error), res);
}

function isSubmittable(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { submit?: unknown }).submit === "function";
}

function guardedQuery(
  client: pg.PoolClient,
  query: AnyQuery,
  args: unknown[],
  timeoutMs: number,
  graceMs: number,
  events: CommandTimeoutEvents,
): unknown {
  // Cursors and streams manage their own lifetime.
  if (isSubmittable(args[0])) return query(...args);
  const internals = client as unknown as ClientInternals;

  let state: "running" | "cancelled" | "closed" | "dequeued" | "settled" = "running";
  let timer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;

  /** The caller's view of how the statement ended. */
  const settle = (error: unknown): unknown => {
    const outcome = state;
    state = "settled";
    clearTimeout(timer);
    clearTimeout(graceTimer);
    if (!error || error instanceof CommandTimeoutError) return error;
    if (outcome === "cancelled" && (error as { code?: unknown }).code === QUERY_CANCELED) {
      return new CommandTimeoutError(timeoutMs, "server", { cause: error });
    }
    if (outcome === "closed") return new CommandTimeoutError(timeoutMs, "closed", { cause: error });
    return error;
  };

  const last = args.length - 1;
  let result: unknown;
  const queueBefore = internals._queryQueue?.length ?? 0;
  const activeBefore = internals._activeQuery;
  if (typeof args[last] === "function") {
    args[last] = settledCallback(args[last] as NodeCallback, settle);
    result = query(...args);
  } else {
    // pg's promise form, asked for in its callback form (see settledCallback).
    result = callbackPromise((callback) => query(...args, settledCallback(callback, settle)));
  }
  if ((state as string) === "settled") return result;

  // The pg Query object just created: sent at once when the connection was idle,
  // otherwise waiting at the end of the client's queue.
  const queue = internals._queryQueue;
  const pgQuery =
    queue && queue.length > queueBefore
      ? queue[queue.length - 1]
      : internals._activeQuery !== activeBefore
        ? internals._activeQuery
        : undefined;

  timer = setTimeout(() => {
    if (state !== "running") return;
    const index = pgQuery !== undefined && queue ? queue.indexOf(pgQuery) : -1;
    if (index >= 0) {
      // Never sent: take it out of the queue and fail it here, nothing to cancel.
      state = "dequeued";
      queue!.splice(index, 1);
      events.onTimeout?.({ action: "dequeued", timeoutMs });
      (pgQuery as PgQuery).handleError?.(new CommandTimeoutError(timeoutMs, "queued"), internals.connection);
      return;
    }
    const hasKey = typeof internals.processID === "number" && typeof internals.secretKey === "number";
    events.onTimeout?.({ action: hasKey ? "cancel" : "no-cancel-key", timeoutMs });
    state = "cancelled";
    if (hasKey) void sendCancelRequest(client);
    graceTimer = setTimeout(() => {
      if (state !== "cancelled") return;
      // The server did not end it (pooler or network gone): close the connection, the
      // statement fails with it, and the pool discards the client.
      state = "closed";
      events.onConnectionClosed?.({ timeoutMs, graceMs });
      // Destroyed with the timeout as its error, so that every path pg reports through
      // (the query's callback, the client's 'error' event pg-pool listens to) carries it.
      internals.connection?.stream?.destroy(new CommandTimeoutError(timeoutMs, "closed"));
    }, graceMs);
    graceTimer.unref();
  }, timeoutMs);
  timer.unref();
  return result;
}
