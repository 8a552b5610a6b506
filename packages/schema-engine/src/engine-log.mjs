// Logs of the schema engine executable: JSON lines on stderr, like the native engine's (the
// Prisma CLI reads the ERROR lines).

/**
 * @param {"INFO" | "WARN" | "ERROR" | "DEBUG"} level
 * @param {Record<string, unknown>} fields must contain `message`
 */
export function log(level, fields) {
  process.stderr.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target: "schema_engine::logger" })}\n`,
  );
}

/** Forward an engine log line (JSON from the Wasm logger) to stderr as is. */
export function forwardEngineLog(/** @type {string} */ line) {
  const text = String(line).trim();
  if (!text) return;
  try {
    JSON.parse(text);
    process.stderr.write(`${text}\n`);
  } catch {
    log("INFO", { message: text });
  }
}
