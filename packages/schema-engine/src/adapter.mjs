// A small, migration-aware PostgreSQL driver adapter factory for the WebAssembly schema engine.
//
// It implements the interface of @prisma/driver-adapter-utils' SqlMigrationAwareDriverAdapterFactory,
// already "bound" (see ./bound-adapter.mjs; values are read as ./pg-types.mjs says). Unlike
// @prisma/adapter-pg, the shadow database is created on the same server under its own name, and
// dropped when the engine disposes it, after its connection is closed (adapter-pg's lands on the
// main database, or cannot be dropped while its pool is open).

import { randomUUID } from "node:crypto";
import { boundAdapter, result } from "./bound-adapter.mjs";
import { openClient, withAdminClient } from "./pg-clients.mjs";
import { parsePostgresUrl, quoteIdent, withDatabase } from "./url.mjs";

/** @typedef {import("./bound-adapter.mjs").AdapterState} AdapterState */

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
        /** @type {import("pg").Client | undefined} */
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
 * @param {import("pg").Client} client
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
