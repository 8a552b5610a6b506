// The JSON-RPC 2.0 loop of the schema engine executable: one JSON object per line on stdin and
// stdout, requests run one at a time (the Wasm engine is not reentrant), replies and errors in
// the native engine's shapes; a Wasm trap answers every pending request and exits 101.

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { openSchemaEngine } from "./engine.mjs";
import { forwardEngineLog, log } from "./engine-log.mjs";
import { isWasmPanic, missingUrlError } from "./errors.mjs";
import { createRpcMethods } from "./rpc-methods.mjs";
import { ENGINE_HASH, panicRegistry } from "./wasm.mjs";

const EXIT_PANIC = 101;

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
 * @param {string[]} datamodelPaths from `--datamodels`
 * @param {{ url?: string, shadowDatabaseUrl?: string }} datasource
 */
export function runRpcServer(datamodelPaths, datasource) {
  /** @type {[string, string][]} */
  const datamodels = datamodelPaths.map((p) => [p, readFileSync(p, "utf8")]);

  /** @type {Promise<import("./engine.mjs").SchemaEngineSession> | undefined} */
  let sessionPromise;
  const session = () => {
    if (!sessionPromise) {
      if (!datasource.url) return Promise.reject(missingUrlError());
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

  const dispatch = createRpcMethods({ datasource, session, callClient });

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
