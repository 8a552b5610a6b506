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
