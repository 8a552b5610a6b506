#!/usr/bin/env node
// A drop-in `schema-engine` executable for the Prisma 7.10 CLI, backed by the WebAssembly
// schema engine (@prisma/schema-engine-wasm) and a `pg` driver adapter. Point the CLI at it
// with PRISMA_SCHEMA_ENGINE_BINARY=<this file>.
//
//   schema-engine --version
//   schema-engine --datasource '{"url":…}' cli can-connect-to-database|create-database|drop-database
//   schema-engine --datamodels <path>… --datasource '{"url":…,"shadowDatabaseUrl":…}'
//     -> JSON-RPC 2.0 over stdin/stdout, one JSON object per line
//
// Logs go to stderr as JSON lines, like the native engine's (the CLI reads ERROR lines).

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { canConnectToDatabase, createDatabase, dropDatabase } from "../src/database.mjs";
import { openSchemaEngine } from "../src/engine.mjs";
import { isWasmPanic, UserFacingError } from "../src/errors.mjs";
import { ENGINE_HASH, panicRegistry } from "../src/wasm.mjs";

const EXIT_PANIC = 101;

// ---------------------------------------------------------------------------------------
// logging

/**
 * @param {"INFO" | "WARN" | "ERROR" | "DEBUG"} level
 * @param {Record<string, unknown>} fields must contain `message`
 */
function log(level, fields) {
  process.stderr.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target: "schema_engine::logger" })}\n`,
  );
}

/** Forward an engine log line (JSON from the Wasm logger) to stderr as is. */
function forwardEngineLog(/** @type {string} */ line) {
  const text = String(line).trim();
  if (!text) return;
  try {
    JSON.parse(text);
    process.stderr.write(`${text}\n`);
  } catch {
    log("INFO", { message: text });
  }
}

// ---------------------------------------------------------------------------------------
// arguments

/**
 * @param {string[]} argv
 */
function parseArgs(argv) {
  /** @type {{ datamodels: string[], datasource?: string, version: boolean, help: boolean, cli?: string, previewFeatures?: string }} */
  const args = { datamodels: [], version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case "--version":
      case "-V":
        args.version = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      case "--datamodels":
      case "-d": {
        const v = value();
        if (v) args.datamodels.push(v);
        break;
      }
      case "--datasource":
        args.datasource = value();
        break;
      case "--enabled-preview-features":
        args.previewFeatures = value();
        break;
      case "--extension-types":
        value();
        break;
      case "cli":
        args.cli = argv[++i];
        break;
      default:
        throw new Error(`Unexpected argument: ${arg}`);
    }
  }
  return args;
}

/**
 * @param {string | undefined} json
 * @returns {{ url?: string, shadowDatabaseUrl?: string }}
 */
function parseDatasource(json) {
  if (!json) return {};
  const parsed = JSON.parse(json);
  return {
    url: typeof parsed?.url === "string" && parsed.url ? parsed.url : undefined,
    shadowDatabaseUrl:
      typeof parsed?.shadowDatabaseUrl === "string" && parsed.shadowDatabaseUrl ? parsed.shadowDatabaseUrl : undefined,
  };
}

const MISSING_URL = () =>
  new UserFacingError(
    "P1012",
    "The datasource URL is missing: set `datasource.url` in prisma.config.ts (see https://pris.ly/d/config-url).",
  );

// ---------------------------------------------------------------------------------------
// `cli` subcommands

/**
 * @param {string} command
 * @param {{ url?: string }} datasource
 * @returns {Promise<number>} exit code
 */
async function runCliCommand(command, datasource) {
  log("INFO", { message: "Starting schema engine CLI", git_hash: ENGINE_HASH });
  try {
    const url = datasource.url;
    if (!url) throw MISSING_URL();
    let message;
    switch (command) {
      case "can-connect-to-database":
        await canConnectToDatabase(url);
        message = "Connection successful";
        break;
      case "create-database":
        message = `Database '${await createDatabase(url)}' was successfully created.`;
        break;
      case "drop-database":
        await dropDatabase(url);
        message = "The database was successfully dropped.";
        break;
      default:
        throw new Error(`Unknown cli subcommand: ${command}`);
    }
    log("INFO", { message });
    return 0;
  } catch (error) {
    const e = /** @type {any} */ (error);
    log("ERROR", {
      is_panic: false,
      error_code: e instanceof UserFacingError ? e.code : "",
      message: String(e?.message ?? e),
    });
    return 1;
  }
}

// ---------------------------------------------------------------------------------------
// JSON-RPC server

/**
 * @param {unknown} error
 * @returns {{ code: number, message: string, data: Record<string, unknown> }}
 */
function rpcError(error) {
  const e = /** @type {any} */ (error);
  const message = String(e?.message ?? e).trimEnd();
  if (typeof e?.code === "string" && /^P\d{4}$/.test(e.code)) {
    return {
      code: 4466,
      message: "An error happened. Check the data field for details.",
      data: { is_panic: false, message, meta: e.meta ?? {}, error_code: e.code },
    };
  }
  return {
    code: 4466,
    message: "An error happened. Check the data field for details.",
    data: { is_panic: false, message, backtrace: null },
  };
}

/**
 * `migrate deploy` / `migrate dev` report a failed migration as P3018 with the database error;
 * the Wasm engine returns it as a plain connector error. Rebuild the native engine's message.
 * @param {unknown} error
 * @param {unknown} dbError the raw `pg` error the adapter saw last
 */
function asMigrationFailed(error, dbError) {
  const message = String(/** @type {any} */ (error)?.message ?? "");
  const name = /apply_script\s+with migration_name="([^"]+)"/.exec(message)?.[1];
  if (!name || /** @type {any} */ (error)?.code) return error;
  const db = /** @type {any} */ (dbError);
  const dbMessage =
    db?.message ??
    message
      .split("\n")
      .filter((l) => !/^\s+(\d+:|with |at )/.test(l))
      .join("\n");
  const parts = [
    "A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve",
    `Migration name: ${name}`,
  ];
  if (db?.code) parts.push(`Database error code: ${db.code}`);
  let detail = `ERROR: ${dbMessage}`;
  if (db?.detail) detail += `\nDETAIL: ${db.detail}`;
  if (db?.hint) detail += `\nHINT: ${db.hint}`;
  if (db?.position) detail += `\nPOSITION: ${db.position}`;
  parts.push(`Database error:\n${detail}`);
  return new UserFacingError("P3018", `${parts.join("\n\n")}\n`, { migration_name: name });
}

/**
 * @param {ReturnType<typeof parseArgs>} args
 * @param {{ url?: string, shadowDatabaseUrl?: string }} datasource
 */
function runRpcServer(args, datasource) {
  /** @type {[string, string][]} */
  const datamodels = args.datamodels.map((p) => [p, readFileSync(p, "utf8")]);

  /** @type {Promise<import("../src/engine.mjs").SchemaEngineSession> | undefined} */
  let sessionPromise;
  const session = () => {
    if (!sessionPromise) {
      if (!datasource.url) return Promise.reject(MISSING_URL());
      const opening = openSchemaEngine({
        url: datasource.url,
        shadowDatabaseUrl: datasource.shadowDatabaseUrl,
        // the engine panics on an empty list: no schema files means "none"
        datamodels: datamodels.length > 0 ? datamodels : undefined,
        onLog: forwardEngineLog,
      });
      sessionPromise = opening;
      // a failed start (database unreachable, ...) is reported, and retried on the next request
      opening.catch(() => {
        if (sessionPromise === opening) sessionPromise = undefined;
      });
    }
    return sessionPromise;
  };

  // --- requests from the engine to the CLI (`print`) ---
  let nextOutgoingId = 0;
  /** @type {Map<number | string, (message: any) => void>} */
  const outgoing = new Map();
  /**
   * @param {string} method
   * @param {unknown} params
   */
  const callClient = (method, params) =>
    new Promise((resolve) => {
      const id = nextOutgoingId++;
      outgoing.set(id, resolve);
      send({ jsonrpc: "2.0", id, method, params });
    });

  /** @param {unknown} message */
  function send(message) {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  }

  /**
   * @param {any} engine
   * @param {string} method
   * @param {any} params
   */
  async function withShadowRetry(engine, method, params) {
    try {
      return await engine[method](params);
    } catch (error) {
      // createMigration / evaluateDataLoss reuse the migrations' schema computed on the shadow
      // database by an earlier devDiagnostic (the first call of `migrate dev`); without one,
      // the Wasm engine has no shadow database to compute it on. Compute it, then retry once.
      if (
        !/shadow DB must be provided through an external factory/i.test(String(/** @type {any} */ (error)?.message))
      ) {
        throw error;
      }
      await engine.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
      return await engine[method](params);
    }
  }

  /**
   * @param {string} method
   * @param {any} params
   */
  async function dispatch(method, params) {
    switch (method) {
      case "createDatabase": {
        const url = params?.datasource?.tag === "ConnectionString" ? params.datasource.url : datasource.url;
        if (!url) throw MISSING_URL();
        return { databaseName: await createDatabase(url) };
      }
      case "dropDatabase": {
        const url = typeof params === "string" ? params : (params?.url ?? datasource.url);
        if (!url) throw MISSING_URL();
        await dropDatabase(url);
        return {};
      }
      case "debugPanic": {
        const { engine } = await session();
        engine.debugPanic();
        return {};
      }
      case "getDatabaseVersion":
      case "version": {
        const { engine } = await session();
        // the Wasm engine always reports on its own connection; passing params only risks a
        // deserialization trap
        return await engine.version();
      }
      case "diff": {
        const { engine } = await session();
        const result = await engine.diff(params);
        if (typeof result.stdout === "string" && result.stdout.length > 0) {
          const content = result.stdout.endsWith("\n") ? result.stdout.slice(0, -1) : result.stdout;
          await callClient("print", { content });
        }
        return { exitCode: result.exitCode, stdout: null };
      }
      case "applyMigrations": {
        const s = await session();
        try {
          return await s.engine.applyMigrations(params);
        } catch (error) {
          throw asMigrationFailed(error, s.adapter.lastError);
        }
      }
      case "createMigration":
      case "evaluateDataLoss": {
        const { engine } = await session();
        return await withShadowRetry(engine, method, params);
      }
      case "devDiagnostic":
      case "diagnoseMigrationHistory":
      case "markMigrationApplied":
      case "markMigrationRolledBack":
      case "ensureConnectionValidity":
      case "reset":
      case "schemaPush":
      case "dbExecute":
      case "introspect":
      case "introspectSql": {
        const { engine } = await session();
        const result = await /** @type {any} */ (engine)[method](params);
        return result === undefined ? {} : result;
      }
      default: {
        const error = new Error(`Method not found: ${method}`);
        /** @type {any} */ (error).rpcCode = -32601;
        throw error;
      }
    }
  }

  // --- request queue: the Wasm engine is not reentrant, run one request at a time ---
  /** @type {Set<number | string>} */
  const pending = new Set();
  let queue = Promise.resolve();
  let dying = false;

  /** @param {any} request */
  function enqueue(request) {
    const { id, method, params } = request;
    const isNotification = id === undefined || id === null;
    if (!isNotification) pending.add(id);
    queue = queue.then(async () => {
      if (dying) return;
      try {
        const result = await dispatch(method, params);
        if (!isNotification) send({ jsonrpc: "2.0", result: result ?? null, id });
      } catch (error) {
        if (isWasmPanic(error)) {
          fatal(error);
          return;
        }
        const e = /** @type {any} */ (error);
        if (!isNotification) {
          send(
            e?.rpcCode
              ? { jsonrpc: "2.0", error: { code: e.rpcCode, message: e.message }, id }
              : { jsonrpc: "2.0", error: rpcError(error), id },
          );
        }
      } finally {
        pending.delete(id);
      }
    });
  }

  /**
   * The engine cannot go on: answer every pending request, exit 101 (what the CLI reports as a
   * crash; exit codes 1/2 are not reported by it).
   * @param {unknown} error
   */
  function fatal(error) {
    if (dying) return;
    dying = true;
    const e = /** @type {any} */ (error);
    const message = panicRegistry.message ?? String(e?.stack ?? e?.message ?? e);
    for (const id of pending) {
      send({
        jsonrpc: "2.0",
        error: {
          code: 4466,
          message: "An error happened. Check the data field for details.",
          data: { is_panic: true, message, backtrace: String(e?.stack ?? ""), error: { message } },
        },
        id,
      });
    }
    pending.clear();
    log("ERROR", { is_panic: true, message, backtrace: String(e?.stack ?? "") });
    const done = () => process.exit(EXIT_PANIC);
    // flush stdout, close connections (best effort, bounded)
    Promise.race([
      (sessionPromise ?? Promise.reject()).then((s) => s.adapter.close()).catch(() => {}),
      new Promise((r) => setTimeout(r, 2000)),
    ]).finally(() => process.stdout.write("", done));
  }

  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);

  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    /** @type {any} */
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      send({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null });
      return;
    }
    if (message && typeof message.method === "string") {
      enqueue(message);
    } else if (message && message.id !== undefined && ("result" in message || "error" in message)) {
      const resolve = outgoing.get(message.id);
      outgoing.delete(message.id);
      resolve?.(message);
    } else {
      send({ jsonrpc: "2.0", error: { code: -32600, message: "Invalid Request" }, id: message?.id ?? null });
    }
  });

  let shuttingDown = false;
  /**
   * @param {string} reason
   * @param {number} graceMs how long running requests may take to finish
   */
  async function shutdown(reason, graceMs) {
    if (shuttingDown || dying) return;
    shuttingDown = true;
    log("INFO", { message: reason });
    // `print` requests can no longer be answered
    for (const resolve of outgoing.values()) resolve({});
    outgoing.clear();
    await Promise.race([queue, new Promise((r) => setTimeout(r, graceMs))]);
    if (dying) return; // a fatal error is being reported: that path exits (101)
    const s = await sessionPromise?.catch(() => undefined);
    await Promise.race([s?.close(), new Promise((r) => setTimeout(r, 2000))]).catch(() => {});
    if (dying) return;
    process.stdout.write("", () => process.exit(0));
  }

  rl.on("close", () => void shutdown("stdin closed", 60_000));
  process.on("SIGTERM", () => void shutdown("Received SIGTERM", 4000));
  process.on("SIGINT", () => void shutdown("Received SIGINT/Ctrl+C", 4000));
  log("INFO", { message: "Starting schema engine RPC server", git_hash: ENGINE_HASH });
}

// ---------------------------------------------------------------------------------------
// main

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${/** @type {Error} */ (error).message}\n`);
    process.exit(1);
  }
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${ENGINE_HASH}\n`);
    return;
  }
  if (args.help) {
    process.stdout.write(
      "schema-engine (Wasm, pg) — Prisma schema engine CLI replacement\n\n" +
        "  --version\n" +
        "  --datasource <json> cli can-connect-to-database | create-database | drop-database\n" +
        "  --datamodels <path>... --datasource <json>   (JSON-RPC over stdio)\n",
    );
    return;
  }
  let datasource;
  try {
    datasource = parseDatasource(args.datasource);
  } catch {
    log("ERROR", { is_panic: false, error_code: "", message: "--datasource is not valid JSON" });
    process.exit(1);
  }
  if (args.cli !== undefined) {
    process.exitCode = await runCliCommand(args.cli, datasource);
    return;
  }
  runRpcServer(args, datasource);
}

await main();
