import type { Database } from "./database.js";

export type DatabaseCheck =
  | { ok: true; latencyMs: number }
  | { ok: false; latencyMs: number; reason: string };

const SQLSTATE_REASONS: Record<string, string> = {
  "28P01": "authentication failed",
  "28000": "authentication failed",
  "3D000": "database does not exist",
  "53300": "too many connections",
  "57P01": "server is shutting down",
  "57P03": "server is starting up",
  "08P01": "protocol violation",
};

const ERRNO_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host lookup failed",
  ETIMEDOUT: "connect timeout",
  EHOSTUNREACH: "host unreachable",
};

/**
 * A short, secret-free reason for a failed check. Driver messages may carry the user
 * name, host or URL, so only codes we know are turned into words; everything else
 * collapses to its class.
 */
export function describeDatabaseError(error: unknown): string {
  const err = error as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === "string" ? err.code : undefined;
  if (code && SQLSTATE_REASONS[code]) return SQLSTATE_REASONS[code];
  if (code && ERRNO_REASONS[code]) return ERRNO_REASONS[code];
  const message = typeof err?.message === "string" ? err.message : "";
  if (/timeout/i.test(message)) return "connect timeout";
  if (/Connection terminated/i.test(message)) return "connection terminated";
  if (code && /^[0-9A-Z]{5}$/.test(code)) return `database error ${code}`;
  return "database unreachable";
}

/** One round trip through the same pool the app uses: `SELECT 1`, timed. */
export async function checkDatabase(db: Database): Promise<DatabaseCheck> {
  const started = performance.now();
  try {
    await db.pool.query("SELECT 1");
    return { ok: true, latencyMs: round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: round(performance.now() - started), reason: describeDatabaseError(error) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
