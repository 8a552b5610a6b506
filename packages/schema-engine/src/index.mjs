// Programmatic API: apply Prisma Migrate migrations in-process through the Wasm schema
// engine, with the semantics of `prisma migrate deploy` (same `_prisma_migrations` table,
// same checksums), so `prisma migrate status` agrees afterwards.

import path from "node:path";
import { ensureDatabase } from "./database.mjs";
import { openSchemaEngine } from "./engine.mjs";
import { readMigrationsList } from "./migrations.mjs";

export { createPgMigrationAdapter } from "./adapter.mjs";
export { canConnectToDatabase, createDatabase, dropDatabase, ensureDatabase } from "./database.mjs";
export { openSchemaEngine } from "./engine.mjs";
export { UserFacingError } from "./errors.mjs";
export { readMigrationsList } from "./migrations.mjs";
export { ENGINE_HASH, loadSchemaEngineWasm } from "./wasm.mjs";

const NO_FILTER = { externalTables: [], externalEnums: [] };

/**
 * @typedef {object} MigrateOptions
 * @property {string} url Direct database URL (never through a transaction pooler: the engine
 *   holds a session-level advisory lock).
 * @property {string} migrationsDir The `prisma/migrations` directory.
 * @property {boolean} [createDatabase] Create the database when it does not exist, as
 *   `prisma migrate deploy` does. Default: true.
 * @property {(line: string) => void} [onLog] Engine log lines (JSON).
 */

/**
 * Apply all pending migrations, like `prisma migrate deploy`.
 * Fails (and applies nothing further) when a migration fails or an earlier one is recorded
 * as failed; each migration script runs as one atomic simple query.
 * @param {MigrateOptions} options
 * @returns {Promise<string[]>} names of the migrations applied by this call, in order
 */
export async function migrateDeploy(options) {
  const { url, onLog } = options;
  if (options.createDatabase !== false) await ensureDatabase(url);
  const migrationsList = await readMigrationsList(path.resolve(options.migrationsDir));
  const session = await openSchemaEngine({ url, onLog });
  try {
    const { appliedMigrationNames } = await session.engine.applyMigrations({ migrationsList, filters: NO_FILTER });
    return appliedMigrationNames;
  } finally {
    await session.close();
  }
}

/**
 * @typedef {object} MigrationStatus
 * @property {string[]} appliedMigrationNames
 * @property {string[]} unappliedMigrationNames Present in the directory, not applied.
 * @property {string[]} failedMigrationNames
 * @property {string[]} editedMigrationNames Checksum differs from the applied one.
 * @property {boolean} hasMigrationsTable
 * @property {boolean} upToDate Same verdict as `prisma migrate status` exiting 0.
 */

/**
 * What `prisma migrate status` reports, as data.
 * @param {{ url: string, migrationsDir: string, onLog?: (line: string) => void }} options
 * @returns {Promise<MigrationStatus>}
 */
export async function migrateStatus(options) {
  const migrationsList = await readMigrationsList(path.resolve(options.migrationsDir));
  const session = await openSchemaEngine({ url: options.url, onLog: options.onLog });
  try {
    const diagnosis = await session.engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });
    const all = migrationsList.migrationDirectories.map((d) => d.path);
    const history = diagnosis.history;
    /** @type {string[]} */
    let unapplied = [];
    /** @type {string[]} */
    let unpersisted = [];
    if (history?.diagnostic === "databaseIsBehind") unapplied = history.unappliedMigrationNames;
    if (history?.diagnostic === "migrationsDirectoryIsBehind") unpersisted = history.unpersistedMigrationNames;
    if (history?.diagnostic === "historiesDiverge") {
      unapplied = history.unappliedMigrationNames;
      unpersisted = history.unpersistedMigrationNames;
    }
    return {
      appliedMigrationNames: all.filter(
        (name) => !unapplied.includes(name) && !diagnosis.failedMigrationNames.includes(name),
      ),
      unappliedMigrationNames: unapplied,
      failedMigrationNames: diagnosis.failedMigrationNames,
      editedMigrationNames: diagnosis.editedMigrationNames,
      hasMigrationsTable: diagnosis.hasMigrationsTable,
      upToDate:
        history === null &&
        unpersisted.length === 0 &&
        diagnosis.failedMigrationNames.length === 0 &&
        (diagnosis.hasMigrationsTable || all.length === 0),
    };
  } finally {
    await session.close();
  }
}
