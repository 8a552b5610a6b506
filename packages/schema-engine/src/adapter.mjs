// A small, migration-aware PostgreSQL driver adapter for the WebAssembly schema engine.
//
// It implements the interface of @prisma/driver-adapter-utils' SqlMigrationAwareDriverAdapterFactory,
// already "bound" (every method resolves to `{ ok: true, value }` or `{ ok: false, error }`),
// which is what the engine's Wasm glue reads. Differences from @prisma/adapter-pg, on purpose:
// - one dedicated `pg.Client` per database, so the engine's session state (advisory lock,
//   search_path) stays on one connection;
// - `executeScript` sends the whole script as ONE simple query: Postgres runs it in one
//   implicit transaction (atomic migrations), and dollar-quoted bodies are not split on `;`;
// - every built-in type the engine's schema inspection selects can be read (`"char"`, `name`,
//   `oid`, `int2vector`, ...): unknown types are returned as text;
// - the shadow database is created on the same server under its own name, and dropped when the
//   engine disposes it, after its connection is closed.

import { randomUUID } from "node:crypto";
import pg from "pg";
import { parsePostgresUrl, quoteIdent, withDatabase } from "./url.mjs";

/** @typedef {import("./url.mjs").PgTarget} PgTarget */

// Column types understood by the engine (ColumnTypeEnum in @prisma/driver-adapter-utils).
const T = /** @type {const} */ ({
  Int32: 0,
  Int64: 1,
  Float: 2,
  Double: 3,
  Numeric: 4,
  Boolean: 5,
  Character: 6,
  Text: 7,
  Date: 8,
  Time: 9,
  DateTime: 10,
  Json: 11,
  Enum: 12,
  Bytes: 13,
  Uuid: 15,
  Int32Array: 64,
  Int64Array: 65,
  FloatArray: 66,
  DoubleArray: 67,
  NumericArray: 68,
  BooleanArray: 69,
  CharacterArray: 70,
  TextArray: 71,
  DateArray: 72,
  TimeArray: 73,
  DateTimeArray: 74,
  JsonArray: 75,
  BytesArray: 77,
  UuidArray: 78,
});

/** Column type per PostgreSQL type OID; anything not listed is read as text. */
const COLUMN_TYPE_BY_OID = new Map([
  [16, T.Boolean],
  [17, T.Bytes],
  [18, T.Character], // "char"
  [20, T.Int64],
  [21, T.Int32],
  [23, T.Int32],
  [26, T.Int64], // oid
  [114, T.Json],
  [3802, T.Json],
  [700, T.Float],
  [701, T.Double],
  [1700, T.Numeric],
  [790, T.Numeric], // money
  [1082, T.Date],
  [1083, T.Time],
  [1266, T.Time],
  [1114, T.DateTime],
  [1184, T.DateTime],
  [2950, T.Uuid],
  [1000, T.BooleanArray],
  [1001, T.BytesArray],
  [1002, T.CharacterArray],
  [1005, T.Int32Array],
  [1007, T.Int32Array],
  [1016, T.Int64Array],
  [1028, T.Int64Array],
  [1021, T.FloatArray],
  [1022, T.DoubleArray],
  [1231, T.NumericArray],
  [1182, T.DateArray],
  [1183, T.TimeArray],
  [1115, T.DateTimeArray],
  [1185, T.DateTimeArray],
  [199, T.JsonArray],
  [3807, T.JsonArray],
  [2951, T.UuidArray],
  // text-like arrays
  [1003, T.TextArray], // name[]
  [1009, T.TextArray],
  [1014, T.TextArray],
  [1015, T.TextArray],
]);

const identity = (/** @type {string} */ s) => s;
const parseBytea = pg.types.getTypeParser(17, "text");
const parseByteaArray = pg.types.getTypeParser(/** @type {any} */ (1001), "text");
const parseTextArray = pg.types.getTypeParser(/** @type {any} */ (1009), "text");

/** @param {(s: string) => unknown} element */
const arrayOf = (element) => (/** @type {string} */ s) =>
  /** @type {(string | null)[]} */ (parseTextArray(s)).map((v) => (v === null ? null : element(v)));

const toPlainBytes = (/** @type {Buffer} */ b) => Array.from(b);
const timestampToIso = (/** @type {string} */ s) => `${s.replace(" ", "T")}+00:00`;
const timestamptzToIso = (/** @type {string} */ s) => {
  // "2024-01-02 03:04:05.678+00" (the session time zone is UTC) -> RFC 3339
  const m = /^(.*?)([+-]\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(s);
  if (!m) return s;
  const [, base, hh, mm = "00"] = m;
  return `${/** @type {string} */ (base).replace(" ", "T")}${hh}:${mm}`;
};
const stripTz = (/** @type {string} */ s) => s.replace(/[+-]\d{2}(:?\d{2})?$/, "");
const toNumber = (/** @type {string} */ s) => Number(s);

/** Text-format value parsers per OID; everything else stays the raw string. */
const PARSERS = new Map([
  [16, (/** @type {string} */ s) => s === "t"],
  [17, (/** @type {string} */ s) => toPlainBytes(/** @type {Buffer} */ (parseBytea(s)))],
  [21, toNumber],
  [23, toNumber],
  [700, toNumber],
  [701, toNumber],
  [790, (/** @type {string} */ s) => s.replace(/[^0-9.-]/g, "")],
  [1114, timestampToIso],
  [1184, timestamptzToIso],
  [1266, stripTz],
  [1000, arrayOf((s) => s === "t")],
  [
    1001,
    (/** @type {string} */ s) =>
      /** @type {(Buffer | null)[]} */ (parseByteaArray(s)).map((b) => (b === null ? null : toPlainBytes(b))),
  ],
  [1005, arrayOf(toNumber)],
  [1007, arrayOf(toNumber)],
  [1021, arrayOf(toNumber)],
  [1022, arrayOf(toNumber)],
  [1115, arrayOf(timestampToIso)],
  [1185, arrayOf(timestamptzToIso)],
  ...[1002, 1003, 1009, 1014, 1015, 1016, 1028, 1231, 1182, 1183, 199, 3807, 2951].map(
    (oid) => /** @type {[number, (s: string) => unknown]} */ ([oid, arrayOf(identity)]),
  ),
]);

const queryTypes = {
  /** @param {number} oid @param {string} [format] */
  getTypeParser: (oid, format) => {
    if (format === "binary") return pg.types.getTypeParser(oid, "binary");
    return PARSERS.get(oid) ?? identity;
  },
};

/** @param {number} oid */
function columnTypeOf(oid) {
  return COLUMN_TYPE_BY_OID.get(oid) ?? T.Text;
}

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
async function result(state, fn) {
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
 * Open a client on `target` and prepare the session like the native engine does.
 * @param {PgTarget} target
 * @returns {Promise<pg.Client>}
 */
export async function openClient(target) {
  const client = new pg.Client({ ...target.config, application_name: "prisma-schema-engine-wasm" });
  // Errors on an idle client (server restart, pg_terminate_backend) surface on the next query.
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(`SET search_path TO ${quoteIdent(target.schema)}; SET TIME ZONE 'UTC'`);
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

/**
 * Run `fn` with a short-lived connection to a maintenance database of the server
 * (the target's own database first, then `postgres`, then `template1`).
 * @template R
 * @param {PgTarget} target
 * @param {(client: pg.Client) => Promise<R>} fn
 * @param {{ avoid?: string }} [options] database names not to connect to (the one to drop)
 * @returns {Promise<R>}
 */
export async function withAdminClient(target, fn, options = {}) {
  const candidates = [target.database, "postgres", "template1"].filter(
    (d, i, all) => d !== options.avoid && all.indexOf(d) === i,
  );
  /** @type {unknown} */
  let lastError;
  for (const database of candidates) {
    const client = new pg.Client({
      ...withDatabase(target, database).config,
      application_name: "prisma-schema-engine-wasm",
    });
    client.on("error", () => {});
    try {
      await client.connect();
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
      if (/** @type {any} */ (error)?.code === "3D000") continue;
      throw error;
    }
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw lastError;
}

/**
 * The queryable part shared by the adapter and its transactions.
 * @param {AdapterState} state
 * @param {pg.Client} client
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
 * @param {pg.Client} client
 * @param {string} schema
 * @param {() => Promise<void>} dispose
 */
function boundAdapter(state, client, schema, dispose) {
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

/**
 * @typedef {object} PgMigrationAdapterOptions
 * @property {string} url Main database URL.
 * @property {string | undefined | null} [shadowDatabaseUrl] Optional dedicated shadow database
 *   (reset before use). Without it, a temporary database is created on the main server.
 */

/**
 * Create the migration-aware adapter factory to hand to `SchemaEngine.new`.
 * `close()` ends every connection it opened and drops any shadow database still alive.
 * @param {PgMigrationAdapterOptions} options
 */
export function createPgMigrationAdapter(options) {
  const main = parsePostgresUrl(options.url);
  const shadow = options.shadowDatabaseUrl ? parsePostgresUrl(options.shadowDatabaseUrl) : undefined;
  /** @type {Set<() => Promise<void>>} */
  const cleanups = new Set();
  /** @type {AdapterState} */
  const state = { lastError: undefined };

  /**
   * @param {() => Promise<void>} cleanup
   * @returns {() => Promise<void>}
   */
  const track = (cleanup) => {
    const once = async () => {
      if (!cleanups.delete(once)) return;
      await cleanup();
    };
    cleanups.add(once);
    return once;
  };

  const factory = {
    provider: "postgres",
    adapterName: "@s3ssions/schema-engine",
    errorRegistry: { consumeError: () => undefined },
    connect: () =>
      result(state, async () => {
        const client = await openClient(main);
        const dispose = track(() => client.end().catch(() => {}));
        return boundAdapter(state, client, main.schema, dispose);
      }),
    connectToShadowDb: () =>
      result(state, async () => {
        if (shadow) {
          if (shadow.host === main.host && shadow.port === main.port && shadow.database === main.database) {
            throw new Error(
              "The shadow database you configured appears to be the same as the main database. Please specify another shadow database.",
            );
          }
          const client = await openClient(shadow);
          const dispose = track(() => client.end().catch(() => {}));
          try {
            await resetSchemas(client, shadow.schema);
          } catch (error) {
            await dispose();
            throw error;
          }
          return boundAdapter(state, client, shadow.schema, dispose);
        }
        const name = `prisma_migrate_shadow_db_${randomUUID()}`;
        await withAdminClient(main, (admin) => admin.query(`CREATE DATABASE ${quoteIdent(name)}`));
        const target = withDatabase(main, name);
        const drop = async () => {
          await withAdminClient(
            main,
            (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
            {
              avoid: name,
            },
          ).catch((error) => {
            process.emitWarning(`could not drop shadow database ${name}: ${error?.message ?? error}`);
          });
        };
        /** @type {pg.Client | undefined} */
        let client;
        const dispose = track(async () => {
          await client?.end().catch(() => {});
          await drop();
        });
        try {
          client = await openClient(target);
        } catch (error) {
          await dispose();
          throw error;
        }
        return boundAdapter(state, client, target.schema, dispose);
      }),
    /** Raw error of the last failed adapter call (for error messages). */
    get lastError() {
      return state.lastError;
    },
    /** Main database target, as parsed from the URL. */
    target: main,
    /** End all connections, drop leftover shadow databases. */
    close: async () => {
      for (const cleanup of [...cleanups]) await cleanup();
    },
  };
  return factory;
}

/**
 * Empty a dedicated shadow database: drop every user schema, recreate the main one.
 * @param {pg.Client} client
 * @param {string} schema
 */
async function resetSchemas(client, schema) {
  const { rows } = await client.query(
    `SELECT nspname FROM pg_namespace
      WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
  );
  for (const { nspname } of rows) await client.query(`DROP SCHEMA ${quoteIdent(nspname)} CASCADE`);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
}
