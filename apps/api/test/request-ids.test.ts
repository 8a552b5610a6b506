import { createClient, getErrorCode, getRequestId } from "@s3ssions/client";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BATCH_SIZE } from "../src/http-limits.js";
import { type DomainApi, startDomainApi } from "./support.js";

// Every error body names its request id, the one in the x-request-id header, so that the
// SDK's getRequestId() finds it: those tRPC refuses before a context exists (a batch too
// large, a content type it does not take, a method it does not serve) as much as a
// procedure's own errors and the edge's refusals.

let ctx: DomainApi;
beforeAll(async () => {
  ctx = await startDomainApi("request_ids");
});
afterAll(() => ctx?.close());

const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));
const batchOf = (n: number) => ({
  path: Array.from({ length: n }, () => "health.check").join(","),
  input: Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { json: null }])),
});
const oversized = batchOf(MAX_BATCH_SIZE + 1);

const REFUSALS: [name: string, status: number, path: string, init: RequestInit][] = [
  [`a batch of ${MAX_BATCH_SIZE + 1}`, 400, `/api/trpc/${oversized.path}?batch=1&input=${input(oversized.input)}`, {}],
  [
    "a text/plain POST",
    415,
    "/api/trpc/sessions.create",
    { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" },
  ],
  ["a PUT without a content type", 415, "/api/trpc/sessions.create", { method: "PUT", body: "{}" }],
  ["a DELETE", 415, "/api/trpc/sessions.list", { method: "DELETE" }],
  [
    "an unbatched streamed call",
    400,
    `/api/trpc/sessions.list?input=${input({ json: {} })}`,
    { headers: { "trpc-accept": "application/jsonl" } },
  ],
  ["an unknown procedure", 404, `/api/trpc/nope.nothing?input=${input({ json: null })}`, {}],
  ["a mutation over GET", 405, `/api/trpc/bookings.create?input=${input({ json: {} })}`, {}],
  ["malformed input JSON", 400, "/api/trpc/sessions.list?input=%7B", {}],
  [
    "a procedure's own error",
    404,
    `/api/trpc/sessions.byId?input=${input(superjson.serialize({ id: crypto.randomUUID() }))}`,
    {},
  ],
  ["an unknown route", 404, "/nothing-here", {}],
];

describe("every error body names the request id", () => {
  it.each(REFUSALS)("%s (%i)", async (_name, status, path, init) => {
    for (const given of [undefined, "given-request-id-1"]) {
      const headers = new Headers(init.headers);
      if (given) headers.set("x-request-id", given);
      const response = await fetch(`${ctx.baseUrl}${path}`, { ...init, headers });
      const text = await response.text();
      expect(response.status, text).toBe(status);
      const header = response.headers.get("x-request-id");
      expect(header).toMatch(given ?? /^[0-9a-f-]{36}$/);
      const body = JSON.parse(text) as { error: { json: { data: { requestId: string | null } } } };
      expect(body.error.json.data.requestId, text).toBe(header);
    }
  });
});

describe("the SDK's getRequestId() finds it", () => {
  // A proxy in front of the API that breaks the SDK's requests the way the probe did.
  const tampered = (change: (init: RequestInit) => RequestInit) => {
    const seen: string[] = [];
    const client = createClient({
      url: ctx.baseUrl,
      batch: false,
      getAccessToken: () => "not-needed",
      fetch: async (url, init) => {
        const response = await fetch(url, change({ ...(init as RequestInit) }));
        seen.push(response.headers.get("x-request-id") ?? "");
        return response;
      },
    });
    return { client, seen };
  };

  it.each([
    [
      "a text/plain POST",
      (init: RequestInit) => ({ ...init, headers: { "content-type": "text/plain" } }),
      "UNSUPPORTED_MEDIA_TYPE",
    ],
    [
      "a PUT without a content type",
      (init: RequestInit) => ({ ...init, method: "PUT", headers: {} }),
      "UNSUPPORTED_MEDIA_TYPE",
    ],
  ] as const)("%s", async (_name, change, code) => {
    const { client, seen } = tampered(change);
    const error = await client.sessions.cancel.mutate({ id: crypto.randomUUID() }).catch((e: unknown) => e);
    expect(getErrorCode(error)).toBe(code);
    expect(getRequestId(error)).toBe(seen[0]);
    expect((error as { data?: { requestId?: string } }).data?.requestId).toBe(seen[0]);
  });
});
