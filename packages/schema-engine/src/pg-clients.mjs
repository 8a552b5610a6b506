// `pg` connections of the schema engine: the engine's own sessions, and short-lived admin
// connections for CREATE / DROP DATABASE (which cannot run on the database they name).

import pg from "pg";
import { quoteIdent, withDatabase } from "./url.mjs";

/** @typedef {import("./url.mjs").PgTarget} PgTarget */

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
