/** GET /api/trpc/sessions.byId: one session by its id, in one SELECT; 404 when there is none. */
import type pg from "pg";
import { type BaselineResponse, queryInput, trpcError, trpcResult, UUID } from "./http.js";
import { SESSION_COLUMNS, type SessionRow, sessionDto } from "./rows.js";

const DATES = ["startsAt", "endsAt", "createdAt", "updatedAt"];

export async function sessionById(pool: pg.Pool, query: URLSearchParams): Promise<BaselineResponse> {
  const path = "sessions.byId";
  const id = queryInput(query)?.id;
  if (typeof id !== "string" || !UUID.test(id)) return trpcError(400, "BAD_REQUEST", "Invalid id", path);
  const { rows } = await pool.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1::uuid`, [id]);
  const row = rows[0];
  if (!row) return trpcError(404, "NOT_FOUND", "Session not found", path);
  return trpcResult(sessionDto(row), DATES);
}
