import { classifyDatabaseError } from "./database-errors.js";
import type { Database } from "./database.js";

export type DatabaseCheck = { ok: true; latencyMs: number } | { ok: false; latencyMs: number; reason: string };

/** A short, secret-free reason for a failed check. */
export function describeDatabaseError(error: unknown): string {
  return classifyDatabaseError(error)?.reason ?? "database unreachable";
}

/**
 * One round trip through the Prisma client the app uses (`SELECT 1`, timed): it proves
 * the whole path, adapter and pooler included, not just a socket.
 */
export async function checkDatabase(db: Database): Promise<DatabaseCheck> {
  const started = performance.now();
  try {
    await db.prisma.$queryRaw`SELECT 1`;
    return { ok: true, latencyMs: round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: round(performance.now() - started), reason: describeDatabaseError(error) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
