// User-facing errors, in the shapes the Prisma CLI expects from the native schema engine.

/**
 * An error with a Prisma error code (P1001, P3005, ...).
 */
export class UserFacingError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {Record<string, unknown>} [meta]
   */
  constructor(code, message, meta = {}) {
    super(message);
    this.name = "UserFacingError";
    this.code = code;
    this.meta = meta;
  }
}

/**
 * Map a connection-time driver error to P1000/P1001/P1003/...; other errors pass through.
 * @param {any} error
 * @param {{ host: string, port: number, database: string, user: string }} target
 * @returns {Error}
 */
export function connectionError(error, target) {
  const code = error?.code;
  const at = `${target.host}:${target.port}`;
  if (code === "3D000") {
    return new UserFacingError(
      "P1003",
      `Database \`${target.database}\` does not exist on the database server at \`${at}\`.`,
      { database_name: target.database, database_host: target.host, database_port: target.port },
    );
  }
  if (code === "28P01" || code === "28000") {
    return new UserFacingError(
      "P1000",
      `Authentication failed against database server, the provided database credentials for \`${target.user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at the configured address.`,
      { database_user: target.user, database_host: target.host, database_port: target.port },
    );
  }
  if (code === "42501") {
    return new UserFacingError("P1010", `User was denied access on the database \`${target.database}\``, {
      database_name: target.database,
    });
  }
  if (
    code === "ECONNREFUSED" ||
    code === "ENOTFOUND" ||
    code === "EHOSTUNREACH" ||
    code === "ECONNRESET" ||
    code === "EAI_AGAIN"
  ) {
    return new UserFacingError(
      "P1001",
      `Can't reach database server at \`${at}\`\n\nPlease make sure your database server is running at \`${at}\`.`,
      { database_host: target.host, database_port: target.port },
    );
  }
  if (code === "ETIMEDOUT" || /timeout/i.test(String(error?.message))) {
    return new UserFacingError(
      "P1002",
      `The database server at \`${at}\` was reached but timed out.\n\nPlease try again.\n\nPlease make sure your database server is running at \`${at}\`.`,
      { database_host: target.host, database_port: target.port },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Is this a Wasm trap (the engine panicked, or ran out of memory)? The instance is
 * unusable afterwards.
 * @param {unknown} error
 */
export function isWasmPanic(error) {
  return error instanceof WebAssembly.RuntimeError;
}

/** The executable was started without a datasource URL. */
export function missingUrlError() {
  return new UserFacingError(
    "P1012",
    "The datasource URL is missing: set `datasource.url` in prisma.config.ts (see https://pris.ly/d/config-url).",
  );
}

/**
 * `migrate deploy` / `migrate dev` report a failed migration as P3018 with the database error;
 * the Wasm engine returns it as a plain connector error. Rebuild the native engine's message.
 * @param {unknown} error
 * @param {unknown} dbError the raw `pg` error the adapter saw last
 */
export function asMigrationFailed(error, dbError) {
  const message = String(/** @type {any} */ (error)?.message ?? "");
  const name = /apply_script\s+with migration_name="([^"]+)"/.exec(message)?.[1];
  if (!name || /** @type {any} */ (error)?.code) return error;
  const db = /** @type {any} */ (dbError);
  const dbMessage =
    db?.message ??
    message
      .split("\n")
      .filter((l) => !/^\s+(\d+:|with |at )/.test(l))
      .join("\n");
  const parts = [
    "A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve",
    `Migration name: ${name}`,
  ];
  if (db?.code) parts.push(`Database error code: ${db.code}`);
  let detail = `ERROR: ${dbMessage}`;
  if (db?.detail) detail += `\nDETAIL: ${db.detail}`;
  if (db?.hint) detail += `\nHINT: ${db.hint}`;
  if (db?.position) detail += `\nPOSITION: ${db.position}`;
  parts.push(`Database error:\n${detail}`);
  return new UserFacingError("P3018", `${parts.join("\n\n")}\n`, { migration_name: name });
}
