// Loads @prisma/schema-engine-wasm in plain Node.js.
//
// The package's entry imports the `.wasm` file as an ES module, which Node 20 cannot do
// without a flag; so the JS glue (`schema_engine_bg.js`) is imported directly and the
// module is instantiated here with it as its import object.

import { readFile } from "node:fs/promises";
import * as glue from "@prisma/schema-engine-wasm/schema_engine_bg";

/** Engine commit hash of prisma 7.10.0 (and of this Wasm build). */
export const ENGINE_HASH = "0edf323efd1d98336f3f0a68684b56f689b900d3";

/** @type {Promise<typeof glue> | undefined} */
let loading;

/** Last panic message reported by the Wasm module (its panic hook writes it here). */
export const panicRegistry = {
  /** @type {string | undefined} */
  message: undefined,
  /** @param {string} message */
  set_message(message) {
    this.message = message;
  },
};

/**
 * Instantiate the Wasm module once per process.
 * @returns {Promise<typeof glue>}
 */
export function loadSchemaEngineWasm() {
  if (!loading) {
    loading = (async () => {
      /** @type {any} */ (globalThis).PRISMA_WASM_PANIC_REGISTRY = panicRegistry;
      const gluePath = import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
      const bytes = await readFile(new URL("./schema_engine_bg.wasm", gluePath));
      const { instance } = await WebAssembly.instantiate(bytes, {
        "./schema_engine_bg.js": /** @type {any} */ (glue),
      });
      const exports = /** @type {any} */ (instance.exports);
      glue.__wbg_set_wasm(exports);
      exports.__wbindgen_start();
      return glue;
    })();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/**
 * Create a Wasm `SchemaEngine` on a migration-aware adapter factory.
 * @param {object} options
 * @param {object} options.adapter Bound SqlMigrationAwareDriverAdapterFactory.
 * @param {[string, string][]} [options.datamodels] `[path, content]` of the Prisma schema files.
 * @param {(line: string) => void} [options.onLog] Receives the engine's log lines.
 * @returns {Promise<import("@prisma/schema-engine-wasm").SchemaEngine>}
 */
export async function createWasmSchemaEngine({ adapter, datamodels, onLog }) {
  const { SchemaEngine } = await loadSchemaEngineWasm();
  return SchemaEngine.new({ datamodels }, (/** @type {string} */ line) => onLog?.(line), adapter);
}
