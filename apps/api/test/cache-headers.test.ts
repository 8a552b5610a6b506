import { randomUUID } from "node:crypto";
import { type ApiProcess, spawnApi } from "@s3ssions/testing";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRIVATE_CACHE_CONTROL, PUBLIC_CACHE_CONTROL } from "../src/cache-control.js";
import { type DomainApi, sessionInput, startDomainApi } from "./support.js";

// Cache-Control for every way a tRPC client sends a call (unbatched, batched and streamed
// links, GET and POST) × every outcome (data, each kind of error, a database outage).
// Only one cell is public: a non-streamed GET whose every call is a public read that
// answered data without a token. A streamed answer's headers leave before its outcome is
// known, so it is always private: a CDN must never keep an error for everyone.

let ctx: DomainApi;
let down: ApiProcess;
let token: string;
let sessionId: string;

beforeAll(async () => {
  ctx = await startDomainApi("cache_headers");
  down = await spawnApi({
    env: { SUPABASE_DB_URL_TRANSACTION: "postgresql://app:pw@127.0.0.1:1/db?pgbouncer=true&connection_limit=1" },
  });
  token = (await ctx.token()).token;
  const host = await ctx.as();
  sessionId = (await host.api.sessions.create.mutate(sessionInput())).id;
});
afterAll(async () => {
  await down?.stop("SIGKILL");
  await ctx?.close();
});

interface Call {
  path: string;
  input: unknown;
}

/** An input whose values may be thunks, for what exists only once the test has started (a session's id). */
function resolved(input: unknown): unknown {
  if (typeof input !== "object" || input === null || input instanceof Date) return input;
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => [key, typeof value === "function" ? value() : value]),
  );
}

type Link = "unbatched" | "batched" | "streamed";
const LINKS: Link[] = ["unbatched", "batched", "streamed"];

/** The request a tRPC link sends for `calls` (one call unless batched). */
function send(baseUrl: string, link: Link, method: "GET" | "POST", calls: Call[], headers: Record<string, string>) {
  const paths = calls.map((call) => call.path).join(",");
  const encoded = calls.map((call) => superjson.serialize(resolved(call.input)));
  const batched = link !== "unbatched";
  const input = batched ? Object.fromEntries(encoded.map((value, i) => [i, value])) : encoded[0];
  const query = new URLSearchParams(batched ? { batch: "1" } : {});
  if (method === "GET") query.set("input", JSON.stringify(input));
  return fetch(`${baseUrl}/api/trpc/${paths}?${query}`, {
    method,
    headers: {
      ...(method === "POST" ? { "content-type": "application/json" } : {}),
      ...(link === "streamed" ? { "trpc-accept": "application/jsonl" } : {}),
      ...headers,
    },
    body: method === "POST" ? JSON.stringify(input) : undefined,
  });
}

interface Outcome {
  name: string;
  method: "GET" | "POST";
  calls: Call[];
  /** Where it is sent: the healthy API, or the one whose database is down. */
  api: () => string;
  headers?: () => Record<string, string>;
  /** What the answer carries, to be sure the row tests what it says. */
  carries: RegExp;
  /** Public only when every call is a public read answering data without a token, and not streamed. */
  publicUnlessStreamed?: true;
}

const unknownId = randomUUID();
const OUTCOMES: Outcome[] = [
  {
    name: "public read, data, no token",
    method: "GET",
    calls: [{ path: "sessions.list", input: {} }],
    api: () => ctx.baseUrl,
    carries: /"items"/,
    publicUnlessStreamed: true,
  },
  {
    name: "public read by id, data, no token",
    method: "GET",
    calls: [{ path: "sessions.byId", input: { id: () => sessionId } }],
    api: () => ctx.baseUrl,
    carries: /"hostId"/,
    publicUnlessStreamed: true,
  },
  {
    name: "public reads batched together, data, no token",
    method: "GET",
    calls: [
      { path: "sessions.list", input: {} },
      { path: "sessions.byId", input: { id: () => sessionId } },
    ],
    api: () => ctx.baseUrl,
    carries: /"hostId"/,
    publicUnlessStreamed: true,
  },
  {
    name: "a query that is not a public read (health.check), data",
    method: "GET",
    calls: [{ path: "health.check", input: undefined }],
    api: () => ctx.baseUrl,
    carries: /"status"/,
  },
  {
    name: "public read, data, with a token",
    method: "GET",
    calls: [{ path: "sessions.list", input: {} }],
    api: () => ctx.baseUrl,
    headers: () => ({ authorization: `Bearer ${token}` }),
    carries: /"items"/,
  },
  {
    name: "NOT_FOUND",
    method: "GET",
    calls: [{ path: "sessions.byId", input: { id: unknownId } }],
    api: () => ctx.baseUrl,
    carries: /NOT_FOUND/,
  },
  {
    name: "BAD_REQUEST",
    method: "GET",
    calls: [{ path: "sessions.byId", input: { id: "not-a-uuid" } }],
    api: () => ctx.baseUrl,
    carries: /BAD_REQUEST/,
  },
  {
    name: "UNAUTHORIZED (a bad token on a public read)",
    method: "GET",
    calls: [{ path: "sessions.list", input: {} }],
    api: () => ctx.baseUrl,
    headers: () => ({ authorization: "Bearer not.a.token" }),
    carries: /UNAUTHORIZED/,
  },
  {
    name: "SERVICE_UNAVAILABLE (database down)",
    method: "GET",
    calls: [{ path: "sessions.list", input: {} }],
    api: () => down.baseUrl,
    carries: /SERVICE_UNAVAILABLE/,
  },
  {
    name: "data and NOT_FOUND in one batch",
    method: "GET",
    calls: [
      { path: "sessions.list", input: {} },
      { path: "sessions.byId", input: { id: unknownId } },
    ],
    api: () => ctx.baseUrl,
    carries: /NOT_FOUND/,
  },
  {
    name: "a query over POST (METHOD_NOT_SUPPORTED)",
    method: "POST",
    calls: [{ path: "sessions.list", input: {} }],
    api: () => ctx.baseUrl,
    carries: /METHOD_NOT_SUPPORTED/,
  },
  {
    name: "a mutation, NOT_FOUND",
    method: "POST",
    calls: [{ path: "bookings.create", input: { sessionId: unknownId } }],
    api: () => ctx.baseUrl,
    headers: () => ({ authorization: `Bearer ${token}` }),
    carries: /NOT_FOUND/,
  },
  {
    name: "a mutation, UNAUTHORIZED",
    method: "POST",
    calls: [{ path: "bookings.create", input: { sessionId: unknownId } }],
    api: () => ctx.baseUrl,
    carries: /UNAUTHORIZED/,
  },
  {
    name: "a mutation, data",
    method: "POST",
    calls: [
      {
        path: "sessions.create",
        input: {
          title: "Cached?",
          startsAt: new Date(Date.now() + 86_400_000),
          endsAt: new Date(Date.now() + 90_000_000),
          timezone: "UTC",
          capacity: 3,
        },
      },
    ],
    api: () => ctx.baseUrl,
    headers: () => ({ authorization: `Bearer ${token}` }),
    carries: /"hostId"/,
  },
  {
    name: "a mutation over GET (METHOD_NOT_SUPPORTED)",
    method: "GET",
    calls: [{ path: "bookings.create", input: { sessionId: unknownId } }],
    api: () => ctx.baseUrl,
    carries: /METHOD_NOT_SUPPORTED/,
  },
];

const cells = OUTCOMES.flatMap((outcome) =>
  LINKS.filter((link) => link !== "unbatched" || outcome.calls.length === 1).map(
    (link) => [outcome.name, link, outcome.method, outcome] as const,
  ),
);

describe("Cache-Control: every link × every outcome", () => {
  it("HEAD, which tRPC answers with a bare 204 before any procedure, is private too", async () => {
    for (const path of ["sessions.list", "sessions.byId", "bookings.create"]) {
      const response = await fetch(`${ctx.baseUrl}/api/trpc/${path}?input=${encodeURIComponent("{}")}`, {
        method: "HEAD",
      });
      expect(response.headers.get("cache-control"), `${path} ${response.status}`).toBe(PRIVATE_CACHE_CONTROL);
    }
  });

  it.each(cells)("%s, %s %s", async (_name, link, method, outcome) => {
    const response = await send(outcome.api(), link, method, outcome.calls, outcome.headers?.() ?? {});
    const body = await response.text();
    expect(body).toMatch(outcome.carries);
    const expected = outcome.publicUnlessStreamed && link !== "streamed" ? PUBLIC_CACHE_CONTROL : PRIVATE_CACHE_CONTROL;
    expect(response.headers.get("cache-control"), `${response.status} ${body.slice(0, 200)}`).toBe(expected);
    if (expected === PUBLIC_CACHE_CONTROL) expect(response.headers.get("vary")).toMatch(/Authorization/);
  });
});
