/**
 * What a baseline route takes and gives, and the answers it builds: plain JSON, and tRPC's
 * envelope with superjson's date metadata, as ours answers.
 */
export interface BaselineRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  header(name: string): string | null;
  body(): Promise<string>;
}

export interface BaselineResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function json(status: number, value: unknown): BaselineResponse {
  return {
    status,
    body: JSON.stringify(value),
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  };
}

export function trpcError(status: number, code: string, message: string, path: string): BaselineResponse {
  return json(status, { error: { json: { message, code: -32000, data: { code, httpStatus: status, path } } } });
}

/** The superjson input of a GET procedure (`?input={"json":…,"meta":…}`). */
export function queryInput(query: URLSearchParams): Record<string, unknown> | null {
  const raw = query.get("input");
  if (raw === null) return {};
  try {
    const parsed = JSON.parse(raw) as { json?: unknown };
    const value = parsed?.json ?? {};
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A page's `limit` (20 when absent), or null unless it is a whole number from 1 to 100. */
export function pageLimitOf(input: Record<string, unknown>): number | null {
  const limit = input.limit ?? 20;
  return typeof limit === "number" && Number.isInteger(limit) && limit >= 1 && limit <= 100 ? limit : null;
}

/** A keyset page's next cursor, as ours writes it: base64url of `[ISO instant, id]`; null on the last page. */
export function nextCursorOf<T extends { id: string }>(rows: T[], limit: number, at: (row: T) => Date): string | null {
  const last = rows[limit - 1];
  return rows.length > limit && last
    ? Buffer.from(JSON.stringify([at(last).toISOString(), last.id])).toString("base64url")
    : null;
}

export function trpcResult(json: unknown, dates: string[]): BaselineResponse {
  const values: Record<string, ["Date"]> = {};
  for (const path of dates) values[path] = ["Date"];
  return {
    status: 200,
    body: JSON.stringify({ result: { data: { json, meta: { values, v: 1 } } } }),
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  };
}
