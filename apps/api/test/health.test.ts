import {
  type ApiProcess,
  CONNECTED_DB_REPORT,
  type TestDatabase,
  createTestDatabase,
  ensurePgBouncer,
  pgbouncerAdmin,
  spawnApi,
} from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let tdb: TestDatabase;
let api: ApiProcess;

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("health");
  api = await spawnApi({
    env: { SUPABASE_DB_URL: tdb.directUrl, SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl() },
  });
});

afterAll(async () => {
  await api?.stop();
  await tdb?.drop();
});

describe("GET /health/db through the pooler", () => {
  it("answers the old service's JSON, field by field", async () => {
    const res = await fetch(`${api.baseUrl}/health/db`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ ...CONNECTED_DB_REPORT, latencyMs: expect.any(Number) });
  });

  it("answers HEAD without a body and refuses POST with 405", async () => {
    const head = await fetch(`${api.baseUrl}/health/db`, { method: "HEAD" });
    expect(head.status).toBe(200);
    const post = await fetch(`${api.baseUrl}/health/db`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await post.json()).error.json.data).toMatchObject({
      code: "METHOD_NOT_SUPPORTED",
      requestId: post.headers.get("x-request-id"),
    });
  });
});

describe("GET /health/db under a burst: the instance's one connection is not queued N deep", () => {
  const statements = async () =>
    Number((await pgbouncerAdmin("SHOW STATS")).find((row) => row.database === tdb.name)?.total_query_count ?? 0);

  it("answers 32 probes that arrive together with two round trips, each probe from one that began after it asked", async () => {
    await fetch(`${api.baseUrl}/health/db`); // the connection is open
    const before = await statements();
    // The pooler holds this database's next statement: the first probe's round trip stays
    // on the wire, the others arrive behind it.
    await pgbouncerAdmin(`PAUSE ${tdb.name}`);
    let probes: Promise<Response>[] = [];
    try {
      probes = Array.from({ length: 32 }, () => fetch(`${api.baseUrl}/health/db`));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      await pgbouncerAdmin(`RESUME ${tdb.name}`);
    }
    const answers = await Promise.all(probes);
    const reports = await Promise.all(answers.map((res) => res.json()));
    expect(answers.map((res) => res.status)).toEqual(Array(32).fill(200));
    for (const report of reports) expect(report).toEqual({ ...CONNECTED_DB_REPORT, latencyMs: expect.any(Number) });
    // Every probe waited for the paused pooler (1 s; 300 ms leaves 700 ms for all 32 to arrive):
    // none was answered from a round trip that began before it asked.
    expect(Math.min(...reports.map((report) => report.latencyMs))).toBeGreaterThanOrEqual(300);
    // The probe on the wire, and one more for all that came while it was (without sharing: 32).
    // Room for one statement of the instance's own (an overdue-task check after a response).
    const sent = (await statements()) - before;
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sent).toBeLessThanOrEqual(3);
  });
});

describe("GET /health", () => {
  it("answers liveness without the database", async () => {
    const res = await fetch(`${api.baseUrl}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      status: "ok",
      platform: "vercel_serverless",
      mode: "unified_engine",
      environment: "test",
    });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it("echoes a sane x-request-id and replaces a hostile one", async () => {
    const mine = await fetch(`${api.baseUrl}/health`, { headers: { "x-request-id": "req-123" } });
    expect(mine.headers.get("x-request-id")).toBe("req-123");
    const hostile = await fetch(`${api.baseUrl}/health`, { headers: { "x-request-id": "<script>" } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("tRPC health procedures", () => {
  it("health.db answers the same report as GET /health/db", async () => {
    const res = await fetch(`${api.baseUrl}/api/trpc/health.db`);
    expect(res.status).toBe(200);
    const { result } = await res.json();
    expect(result.data.json).toMatchObject(CONNECTED_DB_REPORT);
  });

  it("health.check and health.db batch into one request", async () => {
    const res = await fetch(`${api.baseUrl}/api/trpc/health.check,health.db?batch=1&input=${encodeURIComponent("{}")}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toHaveLength(2);
    expect(body[0].result.data.json.status).toBe("ok");
    expect(body[1].result.data.json.database).toBe("connected");
  });

  it("an unknown procedure is a typed 404, an unknown route a JSON 404", async () => {
    const proc = await fetch(`${api.baseUrl}/api/trpc/health.nope`);
    expect(proc.status).toBe(404);
    expect((await proc.json()).error.json.data.code).toBe("NOT_FOUND");
    const route = await fetch(`${api.baseUrl}/nope`);
    expect(route.status).toBe(404);
    expect((await route.json()).error.json.data).toMatchObject({
      code: "NOT_FOUND",
      requestId: route.headers.get("x-request-id"),
    });
  });
});
