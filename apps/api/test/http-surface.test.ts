import {
  type ApiProcess,
  type TestDatabase,
  createTestDatabase,
  ensurePgBouncer,
  sessionInput,
  signHs256,
  spawnApi,
} from "@s3ssions/testing";
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BATCH_SIZE, MAX_BODY_BYTES, MAX_URL_LENGTH } from "../src/http-limits.js";
import { apiClient } from "./api-client.js";

const APP_ORIGIN = "https://app.s3ssions.test";
const JWT_SECRET = "http-surface-secret-of-at-least-32-chars";
let tdb: TestDatabase;
let api: ApiProcess;

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("http");
  api = await spawnApi({
    env: {
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
      CORS_ORIGINS: `${APP_ORIGIN},http://localhost:5173`,
      SUPABASE_JWT_SECRET: JWT_SECRET,
    },
  });
});
afterAll(async () => {
  await api?.stop();
  await tdb?.drop();
});

describe("CORS from the allowlist", () => {
  it("answers an allowed origin's preflight and marks its responses", async () => {
    const preflight = await fetch(`${api.baseUrl}/api/trpc/sessions.list`, {
      method: "OPTIONS",
      headers: {
        origin: APP_ORIGIN,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("vary")).toMatch(/^Origin\b/);

    const res = await fetch(`${api.baseUrl}/health`, { headers: { origin: APP_ORIGIN } });
    expect(res.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    // tRPC sets its own Vary; Origin must still be in it, or a shared cache mixes origins.
    const trpc = await fetch(`${api.baseUrl}/api/trpc/health.check`, { headers: { origin: APP_ORIGIN } });
    expect(trpc.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(trpc.headers.get("vary")).toMatch(/\bOrigin\b/);
    expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });

  it("allows what a real browser's preflight asks for: tracing headers and the SDK's own; exposes retry-after", async () => {
    const asked = "authorization, baggage, content-type, sentry-trace, traceparent, tracestate, x-app-version";
    const preflight = await fetch(`${api.baseUrl}/api/trpc/bookings.create`, {
      method: "OPTIONS",
      headers: {
        origin: APP_ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": asked,
      },
    });
    expect(preflight.status).toBe(204);
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").split(/\s*,\s*/);
    for (const name of asked.split(", ")) expect(allowed).toContain(name);
    expect(preflight.headers.get("vary")).toMatch(/Access-Control-Request-Headers/);

    // A list that is not header names gets the default list, tracing headers included.
    const odd = await fetch(`${api.baseUrl}/api/trpc/sessions.list`, {
      method: "OPTIONS",
      headers: { origin: APP_ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "a b" },
    });
    expect(odd.headers.get("access-control-allow-headers")).toMatch(/traceparent/);
    expect(odd.headers.get("access-control-allow-headers")).not.toMatch(/a b/);

    const res = await fetch(`${api.baseUrl}/health`, { headers: { origin: APP_ORIGIN } });
    const exposed = (res.headers.get("access-control-expose-headers") ?? "").split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["x-request-id", "retry-after", "idempotent-replayed"]));
  });

  it("gives another origin nothing: preflight 403, no CORS headers", async () => {
    const preflight = await fetch(`${api.baseUrl}/api/trpc/sessions.list`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
    expect((await preflight.json()).error.json.data).toMatchObject({
      code: "FORBIDDEN",
      requestId: preflight.headers.get("x-request-id"),
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const res = await fetch(`${api.baseUrl}/health`, { headers: { origin: "https://evil.example.com" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("headers on every response", () => {
  it.each([
    ["/health", 200],
    ["/health/db", 200],
    ["/api/trpc/health.check", 200],
    ["/api/trpc/nope", 404],
    ["/nope", 404],
  ])("%s (%i) carries security headers, a request id and Server-Timing", async (path, status) => {
    const res = await fetch(`${api.baseUrl}${path}`);
    expect(res.status).toBe(status);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("server-timing")).toMatch(/^total;dur=\d+(\.\d)?, db;dur=\d+(\.\d)?$/);
  });

  it("Server-Timing counts database time on a database route only", async () => {
    const dbTime = (h: string | null) => Number(/db;dur=([\d.]+)/.exec(h ?? "")?.[1]);
    const health = await fetch(`${api.baseUrl}/health`);
    expect(dbTime(health.headers.get("server-timing"))).toBe(0);
    const db = await fetch(`${api.baseUrl}/health/db`);
    expect(dbTime(db.headers.get("server-timing"))).toBeGreaterThan(0);
  });

  it("counts every database call of a request: its statements, Prisma's operations and those inside its transaction", async () => {
    const host = apiClient(api.baseUrl, await signHs256(JWT_SECRET, { sub: randomUUID() }));
    const session = await host.sessions.create.mutate(sessionInput({ title: "Timed" }));
    const guest = await signHs256(JWT_SECRET, { sub: randomUUID() });
    const res = await fetch(`${api.baseUrl}/api/trpc/bookings.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${guest}`, "x-request-id": "timed-booking" },
      body: JSON.stringify({ json: { sessionId: session.id } }),
    });
    expect(res.status).toBe(200);
    expect(Number(/db;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1])).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    const line = api.output.find((l) => l.includes('"timed-booking"'));
    // The rate limit's count on the pool, then in one transaction the session's lock and the
    // booking's insert; the live feed's entry is written by the database at COMMIT.
    expect(JSON.parse(line!)).toMatchObject({ status: 200, dbQueries: 3 });
  });
});

describe("keep-alive", () => {
  it("a pooled connection left idle past Node's 5 s default still answers: clients pool it for the hinted timeout less a second", async () => {
    const url = new URL(api.baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("utf8");
    });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => {});
    const answer = async () => {
      const from = received.length;
      for (let i = 0; i < 200 && !/\r\n\r\n\{[\s\S]*\}$/.test(received.slice(from)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return received.slice(from);
    };
    const request = `GET /health HTTP/1.1\r\nhost: ${url.host}\r\n\r\n`;
    socket.write(request);
    const first = await answer();
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(first.toLowerCase()).toContain("keep-alive: timeout=65");
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(socket.destroyed, "the server closed the idle connection").toBe(false);
    socket.write(request);
    expect(await answer()).toMatch(/^HTTP\/1\.1 200/);
    socket.end();
    await closed;
  }, 30_000);
});

describe("one structured log line per request", () => {
  it("logs request id, procedures, status, durations, cold start and RSS, and no token", async () => {
    const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4eHh4eHh4eCJ9.c2lnbmF0dXJlc2lnbmF0dXJl";
    await fetch(`${api.baseUrl}/api/trpc/health.check,health.db?batch=1&input=%7B%7D`, {
      headers: { "x-request-id": "log-probe-1", authorization: `Bearer ${token}` },
    });
    await new Promise((r) => setTimeout(r, 100));
    const lines = api.output.filter((line) => line.includes('"log-probe-1"'));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      level: "info",
      msg: "request",
      requestId: "log-probe-1",
      method: "GET",
      procedures: ["health.check", "health.db"],
      status: 200,
      coldStart: false,
    });
    expect(entry.durationMs).toBeGreaterThan(0);
    expect(entry.dbQueries).toBeGreaterThanOrEqual(1);
    expect(entry.rssMb).toBeGreaterThan(10);
    expect(api.output.join("\n")).not.toContain(token);
    const first = api.output.map((l) => (l.startsWith("{") ? JSON.parse(l) : {})).find((e) => e.msg === "request");
    expect(first?.coldStart).toBe(true);
  });
});

describe("input limits at the edge", () => {
  it(`a body over ${MAX_BODY_BYTES} bytes is 413 and the server stays up`, async () => {
    const res = await fetch(`${api.baseUrl}/api/trpc/sessions.create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(MAX_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error.json.data).toMatchObject({ code: "PAYLOAD_TOO_LARGE", httpStatus: 413 });
    expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);
  });

  it(`a URL over ${MAX_URL_LENGTH} characters is 414`, async () => {
    const res = await fetch(`${api.baseUrl}/api/trpc/health.check?input=${"a".repeat(MAX_URL_LENGTH)}`);
    expect(res.status).toBe(414);
    expect((await res.json()).error.json.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 414 });
    const outside = await fetch(`${api.baseUrl}/health?pad=${"a".repeat(MAX_URL_LENGTH)}`);
    expect(outside.status).toBe(414);
    expect((await outside.json()).error.json.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 414 });
  });

  it("a URL past Node's own 16 KiB header limit still gets a JSON error, not a bare status line", async () => {
    const res = await fetch(`${api.baseUrl}/api/trpc/health.check?input=${"a".repeat(20_000)}`);
    expect(res.status).toBe(431);
    const { error } = await res.json();
    expect(error.json.message).toBe("Request headers or URL are too large");
    expect(error.json.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 431 });
    expect(error.json.data.requestId).toBe(res.headers.get("x-request-id"));
    expect(error.json.data.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);
  });

  it(`a batch of ${MAX_BATCH_SIZE} is served, ${MAX_BATCH_SIZE + 1} is 400`, async () => {
    const batch = (n: number) => Array(n).fill("health.check").join(",");
    const ok = await fetch(`${api.baseUrl}/api/trpc/${batch(MAX_BATCH_SIZE)}?batch=1&input=%7B%7D`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toHaveLength(MAX_BATCH_SIZE);
    const tooMany = await fetch(`${api.baseUrl}/api/trpc/${batch(MAX_BATCH_SIZE + 1)}?batch=1&input=%7B%7D`);
    expect(tooMany.status).toBe(400);
  });

  it("a mutation over GET is 405, malformed JSON is 400, neither a 500", async () => {
    const get = await fetch(`${api.baseUrl}/api/trpc/bookings.create`);
    expect(get.status).toBe(405);
    const bad = await fetch(`${api.baseUrl}/api/trpc/bookings.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await signHs256(JWT_SECRET)}` },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toMatch(/at .*\(|node_modules/);
  });
});
