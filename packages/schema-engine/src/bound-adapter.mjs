// The bound driver adapter the Wasm schema engine queries through: every method resolves to
// `{ ok: true, value }` or `{ ok: false, error }` (what the engine's Wasm glue reads), on ONE
// dedicated `pg.Client`, so the engine's session state (advisory lock, search_path) stays on
// one connection. `executeScript` sends the whole script as one simple query: Postgres runs it
// in one implicit transaction (atomic migrations), and dollar-quoted bodies are not split on `;`.

import { columnTypeOf, queryTypes } from "./pg-types.mjs";

/**
 * Driver error -> the engine's DriverAdapterError payload.
 * @param {any} error
 */
export function toAdapterError(error) {
  const code = typeof error?.code === "string" ? error.code : undefined;
  const message = String(error?.message ?? error);
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH") {
    return { kind: "DatabaseNotReachable", host: error.address ?? error.hostname, port: error.port };
  }
  if (code === "ECONNRESET" || message.includes("Connection terminated")) return { kind: "ConnectionClosed" };
  if (code === "ETIMEDOUT" || message.includes("timeout")) return { kind: "SocketTimeout" };
  if (code === "3D000") return { kind: "DatabaseDoesNotExist", db: /"([^"]+)"/.exec(message)?.[1] };
  if (code === "28P01") return { kind: "AuthenticationFailed", user: /"([^"]+)"/.exec(message)?.[1] };
  if (code === "42P04") return { kind: "DatabaseAlreadyExists", db: /"([^"]+)"/.exec(message)?.[1] };
  return {
    kind: "postgres",
    code: code ?? "N/A",
    severity: typeof error?.severity === "string" ? error.severity : "ERROR",
    message,
    detail: typeof error?.detail === "string" ? error.detail : undefined,
    column: typeof error?.column === "string" ? error.column : undefined,
    hint: typeof error?.hint === "string" ? error.hint : undefined,
    originalCode: code,
    originalMessage: message,
  };
}

/**
 * @typedef {object} AdapterState
 * @property {unknown} lastError The last raw driver error handed to the engine.
 */

/**
 * Run `fn` and wrap its outcome the way the engine reads it.
 * @template T
 * @param {AdapterState} state
 * @param {() => Promise<T>} fn
 * @returns {Promise<{ ok: true, value: T } | { ok: false, error: object }>}
 */
export async function result(state, fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    state.lastError = error;
    return { ok: false, error: toAdapterError(error) };
  }
}

/**
 * @param {unknown} arg
 * @param {{ scalarType?: string, dbType?: string, arity?: string } | undefined} argType
 * @returns {unknown}
 */
function mapArg(arg, argType) {
  if (arg === null || arg === undefined) return null;
  if (Array.isArray(arg) && argType?.arity === "list") return arg.map((v) => mapArg(v, argType));
  if (typeof arg === "string" && argType?.scalarType === "bytes") return Buffer.from(arg, "base64");
  if (ArrayBuffer.isView(arg)) return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength);
  if (typeof arg === "bigint") return arg.toString();
  return arg;
}

/**
 * The queryable part shared by the adapter and its transactions.
 * @param {AdapterState} state
 * @param {import("pg").Client} client
 */
function queryable(state, client) {
  /** @param {{ sql: string, args?: unknown[], argTypes?: any[] }} query */
  const run = (query) =>
    client.query({
      text: query.sql,
      values: (query.args ?? []).map((arg, i) => mapArg(arg, query.argTypes?.[i])),
      rowMode: "array",
      types: queryTypes,
    });
  return {
    provider: "postgres",
    adapterName: "@s3ssions/schema-engine",
    /** @param {{ sql: string, args?: unknown[], argTypes?: any[] }} query */
    queryRaw: (query) =>
      result(state, async () => {
        const res = await run(query);
        return {
          columnNames: res.fields.map((f) => f.name),
          columnTypes: res.fields.map((f) => columnTypeOf(f.dataTypeID)),
          rows: res.rows,
        };
      }),
    /** @param {{ sql: string, args?: unknown[], argTypes?: any[] }} query */
    executeRaw: (query) => result(state, async () => (await run(query)).rowCount ?? 0),
  };
}

/**
 * A bound SqlDriverAdapter on one dedicated client.
 * @param {AdapterState} state
 * @param {import("pg").Client} client
 * @param {string} schema
 * @param {() => Promise<void>} dispose
 */
export function boundAdapter(state, client, schema, dispose) {
  let disposed = false;
  const base = queryable(state, client);
  return {
    ...base,
    /** One simple-protocol query: atomic, and `;` inside dollar quotes is left alone. */
    executeScript: (/** @type {string} */ script) =>
      result(state, async () => {
        await client.query(script);
      }),
    startTransaction: (/** @type {string | undefined} */ isolationLevel) =>
      result(state, async () => {
        await client.query("BEGIN");
        if (isolationLevel) await client.query(`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`);
        const tx = queryable(state, client);
        return {
          ...tx,
          // The engine sends COMMIT / ROLLBACK itself when usePhantomQuery is false.
          options: { usePhantomQuery: false },
          commit: () => result(state, async () => {}),
          rollback: () => result(state, async () => {}),
          createSavepoint: (/** @type {string} */ name) =>
            result(state, async () => void (await client.query(`SAVEPOINT ${name}`))),
          rollbackToSavepoint: (/** @type {string} */ name) =>
            result(state, async () => void (await client.query(`ROLLBACK TO SAVEPOINT ${name}`))),
          releaseSavepoint: (/** @type {string} */ name) =>
            result(state, async () => void (await client.query(`RELEASE SAVEPOINT ${name}`))),
        };
      }),
    getConnectionInfo: () => ({ ok: true, value: { schemaName: schema, supportsRelationJoins: true } }),
    dispose: () =>
      result(state, async () => {
        if (disposed) return;
        disposed = true;
        await dispose();
      }),
  };
}
