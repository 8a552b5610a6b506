/** GET /api/trpc/sessions.list: the same filter, order, limit and cursor as ours, in one SELECT. */
import type pg from "pg";
import { type BaselineResponse, nextCursorOf, pageLimitOf, queryInput, trpcError, trpcResult, UUID } from "./http.js";
import { SESSION_COLUMNS, type SessionRow, sessionDto } from "./rows.js";

export async function listSessions(pool: pg.Pool, query: URLSearchParams): Promise<BaselineResponse> {
  const path = "sessions.list";
  const input = queryInput(query);
  if (!input) return trpcError(400, "BAD_REQUEST", "Invalid input", path);
  const limit = pageLimitOf(input);
  if (limit === null) return trpcError(400, "BAD_REQUEST", "limit must be an integer from 1 to 100", path);
  const from = typeof input.from === "string" ? new Date(input.from) : new Date();
  if (Number.isNaN(from.getTime())) return trpcError(400, "BAD_REQUEST", "Invalid from", path);
  const where = ["starts_at >= $1"];
  const values: unknown[] = [from];
  if (typeof input.hostId === "string") {
    if (!UUID.test(input.hostId)) return trpcError(400, "BAD_REQUEST", "Invalid hostId", path);
    values.push(input.hostId);
    where.push(`host_id = $${values.length}::uuid`);
  }
  if (input.includeCancelled !== true) where.push(`status = 'scheduled'`);
  if (typeof input.cursor === "string") {
    let decoded: unknown[];
    try {
      decoded = JSON.parse(Buffer.from(input.cursor, "base64url").toString("utf8")) as unknown[];
    } catch {
      return trpcError(400, "BAD_REQUEST", "Invalid cursor", path);
    }
    const at = new Date(String(decoded[0]));
    const id = String(decoded[1]);
    if (Number.isNaN(at.getTime()) || !UUID.test(id)) return trpcError(400, "BAD_REQUEST", "Invalid cursor", path);
    values.push(at, id);
    where.push(
      `(starts_at > $${values.length - 1} OR (starts_at = $${values.length - 1} AND id > $${values.length}::uuid))`,
    );
  }
  values.push(limit + 1);
  const { rows } = await pool.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ${where.join(" AND ")} ORDER BY starts_at ASC, id ASC LIMIT $${values.length}`,
    values,
  );
  const page = rows.slice(0, limit);
  const nextCursor = nextCursorOf(rows, limit, (row) => row.starts_at);
  const dates: string[] = [];
  page.forEach((_, i) => {
    dates.push(`items.${i}.startsAt`, `items.${i}.endsAt`, `items.${i}.createdAt`, `items.${i}.updatedAt`);
  });
  return trpcResult({ items: page.map(sessionDto), nextCursor }, dates);
}
