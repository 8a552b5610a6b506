// One Wasm schema engine on one main database, with the resources it holds.

import { createPgMigrationAdapter } from "./adapter.mjs";
import { connectionError, UserFacingError } from "./errors.mjs";
import { createWasmSchemaEngine } from "./wasm.mjs";

/**
 * @typedef {object} SchemaEngineSession
 * @property {import("@prisma/schema-engine-wasm").SchemaEngine} engine
 * @property {ReturnType<typeof createPgMigrationAdapter>} adapter
 * @property {() => Promise<void>} close Free the engine, end all connections, drop leftover shadow databases.
 */

/**
 * @param {object} options
 * @param {string} options.url Main database URL (direct connection, not through a pooler).
 * @param {string | null} [options.shadowDatabaseUrl]
 * @param {[string, string][]} [options.datamodels] `[path, content]` of the Prisma schema files.
 * @param {(line: string) => void} [options.onLog] Engine log lines (JSON).
 * @returns {Promise<SchemaEngineSession>}
 */
export async function openSchemaEngine({ url, shadowDatabaseUrl, datamodels, onLog }) {
  const adapter = createPgMigrationAdapter({ url, shadowDatabaseUrl });
  /** @type {import("@prisma/schema-engine-wasm").SchemaEngine} */
  let engine;
  try {
    engine = await createWasmSchemaEngine({ adapter, datamodels, onLog });
  } catch (error) {
    const raw = adapter.lastError;
    await adapter.close();
    const mapped = raw ? connectionError(raw, adapter.target) : undefined;
    throw mapped instanceof UserFacingError ? mapped : error;
  }
  let closed = false;
  return {
    engine,
    adapter,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        engine.free();
      } catch {
        // after a Wasm trap the instance may be unusable; its connections are closed below
      }
      await adapter.close();
    },
  };
}
