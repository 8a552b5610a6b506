// The JSON-RPC methods of the schema engine executable, forwarded to the Wasm engine: the
// native engine's names and results, with what the Wasm engine lacks done here.

import { createDatabase, dropDatabase } from "./database.mjs";
import { asMigrationFailed, missingUrlError } from "./errors.mjs";

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
    if (!/shadow DB must be provided through an external factory/i.test(String(/** @type {any} */ (error)?.message))) {
      throw error;
    }
    await engine.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
    return await engine[method](params);
  }
}

/**
 * @param {object} options
 * @param {{ url?: string }} options.datasource from `--datasource`
 * @param {() => Promise<import("./engine.mjs").SchemaEngineSession>} options.session the engine, opened on first use
 * @param {(method: string, params: unknown) => Promise<unknown>} options.callClient a request to the Prisma CLI
 * @returns {(method: string, params: any) => Promise<unknown>} runs one request; an unknown method throws with `rpcCode` -32601
 */
export function createRpcMethods({ datasource, session, callClient }) {
  /**
   * @param {string} method
   * @param {any} params
   */
  return async function dispatch(method, params) {
    switch (method) {
      case "createDatabase": {
        const url = params?.datasource?.tag === "ConnectionString" ? params.datasource.url : datasource.url;
        if (!url) throw missingUrlError();
        return { databaseName: await createDatabase(url) };
      }
      case "dropDatabase": {
        const url = typeof params === "string" ? params : (params?.url ?? datasource.url);
        if (!url) throw missingUrlError();
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
  };
}
