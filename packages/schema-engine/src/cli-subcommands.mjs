// The executable's `cli` subcommands, which the Prisma CLI runs before it starts the JSON-RPC
// server (`can-connect-to-database`, then `create-database` on P1003).

import { canConnectToDatabase, createDatabase, dropDatabase } from "./database.mjs";
import { log } from "./engine-log.mjs";
import { missingUrlError, UserFacingError } from "./errors.mjs";
import { ENGINE_HASH } from "./wasm.mjs";

/**
 * @param {string} command
 * @param {{ url?: string }} datasource
 * @returns {Promise<number>} exit code
 */
export async function runCliCommand(command, datasource) {
  log("INFO", { message: "Starting schema engine CLI", git_hash: ENGINE_HASH });
  try {
    const url = datasource.url;
    if (!url) throw missingUrlError();
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
