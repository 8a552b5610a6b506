// Reads a Prisma Migrate migrations directory into the engine's `MigrationList`,
// the same way the Prisma 7.10 CLI does (so checksums and ordering agree with it).

import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

const LOCKFILE = "migration_lock.toml";
const SCRIPT = "migration.sql";

/**
 * @param {string} migrationsDir Directory holding `<timestamp>_<name>/migration.sql`.
 * @param {string} [shadowDbInitScript] SQL run on the shadow database before the migrations.
 * @returns {Promise<import("@prisma/schema-engine-wasm").MigrationList>}
 */
export async function readMigrationsList(migrationsDir, shadowDbInitScript = "") {
  const baseDir = migrationsDir;
  const lockContent = await readFile(path.join(baseDir, LOCKFILE), "utf8").catch(() => null);
  const lockfile = { path: LOCKFILE, content: lockContent };
  /** @type {import("node:fs").Dirent[]} */
  let entries;
  try {
    entries = await readdir(baseDir, { withFileTypes: true });
  } catch {
    entries = [];
  }
  /** @type {import("@prisma/schema-engine-wasm").MigrationDirectory[]} */
  const migrationDirectories = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    /** @type {import("@prisma/schema-engine-wasm").JsResult<string, string>} */
    const content = await readFile(path.join(baseDir, entry.name, SCRIPT), "utf8").then(
      (value) => ({ tag: /** @type {const} */ ("ok"), value }),
      (error) => ({ tag: /** @type {const} */ ("error"), value: String(error?.message ?? error) }),
    );
    migrationDirectories.push({ path: entry.name, migrationFile: { path: SCRIPT, content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return { baseDir, lockfile, migrationDirectories, shadowDbInitScript };
}
