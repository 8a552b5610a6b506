// Database-level operations the Wasm engine does not have: they run on `pg` directly,
// with the same user-facing errors as the native engine's `cli` subcommands.

import pg from "pg";
import { connectionError, UserFacingError } from "./errors.mjs";
import { withAdminClient } from "./pg-clients.mjs";
import { parsePostgresUrl, quoteIdent } from "./url.mjs";

/**
 * Connect to the database of `url` and run `SELECT 1`.
 * @param {string} url
 * @throws {UserFacingError} P1000/P1001/P1002/P1003/...
 */
export async function canConnectToDatabase(url) {
  const target = parsePostgresUrl(url);
  const client = new pg.Client(target.config);
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw connectionError(error, target);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Create the database named in `url` (on the same server).
 * @param {string} url
 * @returns {Promise<string>} the database name
 * @throws {UserFacingError} P1009 when it exists already
 */
export async function createDatabase(url) {
  const target = parsePostgresUrl(url);
  try {
    await withAdminClient(target, (admin) => admin.query(`CREATE DATABASE ${quoteIdent(target.database)}`), {
      avoid: target.database,
    });
  } catch (error) {
    if (/** @type {any} */ (error)?.code === "42P04") {
      throw new UserFacingError(
        "P1009",
        `Database \`${target.database}\` already exists on the database server at \`${target.host}:${target.port}\``,
        { database_name: target.database, database_host: target.host, database_port: target.port },
      );
    }
    throw connectionError(error, target);
  }
  return target.database;
}

/**
 * Create the database named in `url` unless it exists.
 * @param {string} url
 * @returns {Promise<boolean>} whether it was created
 */
export async function ensureDatabase(url) {
  try {
    await canConnectToDatabase(url);
    return false;
  } catch (error) {
    if (!(error instanceof UserFacingError) || error.code !== "P1003") throw error;
  }
  try {
    await createDatabase(url);
  } catch (error) {
    // Created concurrently by someone else: fine.
    if (error instanceof UserFacingError && error.code === "P1009") return false;
    throw error;
  }
  return true;
}

/**
 * Drop the database named in `url`.
 * @param {string} url
 * @param {{ force?: boolean }} [options] `force`: terminate other sessions first (PostgreSQL 13+).
 */
export async function dropDatabase(url, options = {}) {
  const target = parsePostgresUrl(url);
  const suffix = options.force ? " WITH (FORCE)" : "";
  try {
    await withAdminClient(target, (admin) => admin.query(`DROP DATABASE ${quoteIdent(target.database)}${suffix}`), {
      avoid: target.database,
    });
  } catch (error) {
    throw connectionError(error, target);
  }
}
