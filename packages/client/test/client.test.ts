// The built SDK (dist/) against the real API process, and against a stub server for what
// the API never does on purpose (hang, stall, drop).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createClient,
  type FetchLike,
  getErrorCode,
  getFieldErrors,
  getRequestId,
  isS3ssionsError,
  MAX_BATCH_SIZE,
  MAX_URL_LENGTH,
  type RouterInputs,
  TimeoutError,
  TRPCClientError,
  transformer,
} from "../dist/index.js";
import { httpBatchStreamLink, loggerLink } from "@trpc/client";
import { CONNECTED_DB_REPORT, hoursFromNow, type RunningApi, startApi } from "./support.js";

/** A `fetch` that records what it sends. */
function recordingFetch() {
  const requests: { method: string; url: string }[] = [];
  const fetch: FetchLike = (url, init) => {
    requests.push({ method: init?.method ?? "GET", url });
    return globalThis.fetch(url, init);
  };
  /** How many calls each request carried. */
  const sizes = () => requests.map((r) => new URL(r.url).pathname.split("/").at(-1)!.split(",").length);
  return { fetch, requests, sizes };
}

async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

function sessionInput(overrides: Partial<RouterInputs["sessions"]["create"]> = {}): RouterInputs["sessions"]["create"] {
  return {
    title: "SDK test session",
    startsAt: hoursFromNow(24),
    endsAt: hoursFromNow(25),
    timezone: "Europe/Berlin",
    capacity: 5,
    ...overrides,
  };
}

describe("createClient against the API", () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi("sdk_client");
  });
  afterAll(() => api?.close());

  it("answers health, typed, with the calls of one tick in one request", async () => {
    const { fetch, requests } = recordingFetch();
    const client = createClient({ url: api.baseUrl, fetch });
    const [check, db] = await Promise.all([client.health.check.query(), client.health.db.query()]);
    expect(check).toMatchObject({ status: "ok", platform: "vercel_serverless", environment: "test" });
    expect(db).toMatchObject(CONNECTED_DB_REPORT);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toContain("/api/trpc/health.check,health.db?batch=1");
  });

  it("pages through upcoming sessions with nextCursor", async () => {
    const host = await api.user();
    const hostClient = createClient({ url: api.baseUrl, getAccessToken: () => host.token });
    const created = [];
    for (let i = 0; i < 7; i++) {
      created.push(
        await hostClient.sessions.create.mutate(
          sessionInput({ title: `Page ${i}`, startsAt: hoursFromNow(30 + i), endsAt: hoursFromNow(31 + i) }),
        ),
      );
    }
    const client = createClient({ url: api.baseUrl });
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.sessions.list.query({ hostId: host.id, limit: 3, ...(cursor ? { cursor } : {}) });
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((session) => session.id));
      expect(page.items.every((session) => session.startsAt instanceof Date)).toBe(true);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(created.map((session) => session.id));
  });

  it("books with the token of the moment: getAccessToken runs for every request", async () => {
    const host = await api.user();
    const a = await api.user();
    const b = await api.user();
    const session = await createClient({ url: api.baseUrl, getAccessToken: () => host.token }).sessions.create.mutate(
      sessionInput({ capacity: 1 }),
    );
    let token: string | null = a.token;
    let asked = 0;
    const client = createClient({
      url: api.baseUrl,
      getAccessToken: async () => {
        asked += 1;
        return token;
      },
    });
    const first = await client.bookings.create.mutate({ sessionId: session.id });
    expect(first).toMatchObject({ sessionId: session.id, userId: a.id, status: "confirmed" });
    expect(first.createdAt).toBeInstanceOf(Date);
    token = b.token;
    const second = await client.bookings.create.mutate({ sessionId: session.id });
    expect(second).toMatchObject({ userId: b.id, status: "waitlisted" });
    expect(asked).toBe(2);
    token = null;
    const error = await failure(client.bookings.mine.query());
    expect(isS3ssionsError(error, "UNAUTHORIZED")).toBe(true);
    expect(asked).toBe(3);
  });

  it("error helpers give the code, the field errors and the request id", async () => {
    const host = await api.user();
    const user = await api.user();
    const hostClient = createClient({ url: api.baseUrl, getAccessToken: () => host.token });
    const userClient = createClient({ url: api.baseUrl, getAccessToken: () => user.token });

    const notFound = await failure(userClient.sessions.byId.query({ id: randomUUID() }));
    expect(notFound).toBeInstanceOf(TRPCClientError);
    expect(getErrorCode(notFound)).toBe("NOT_FOUND");
    expect(isS3ssionsError(notFound)).toBe(true);
    expect(isS3ssionsError(notFound, "NOT_FOUND")).toBe(true);
    expect(isS3ssionsError(notFound, "CONFLICT")).toBe(false);
    expect(getRequestId(notFound)).toMatch(/\S{8,}/);
    expect(isS3ssionsError(notFound) && notFound.data?.httpStatus).toBe(404);

    const invalid = await failure(userClient.bookings.create.mutate({ sessionId: "not-a-uuid" }));
    expect(getErrorCode(invalid)).toBe("BAD_REQUEST");
    expect(Object.keys(getFieldErrors(invalid))).toEqual(["sessionId"]);

    const session = await hostClient.sessions.create.mutate(sessionInput({ capacity: 2 }));
    await userClient.bookings.create.mutate({ sessionId: session.id });
    await hostClient.bookings.create.mutate({ sessionId: session.id });
    const conflict = await failure(hostClient.sessions.update.mutate({ id: session.id, capacity: 1 }));
    expect(getErrorCode(conflict)).toBe("CONFLICT");
    expect(getErrorCode(await failure(userClient.sessions.cancel.mutate({ id: session.id })))).toBe("FORBIDDEN");

    for (const other of [new Error("x"), "x", null, undefined, { data: { code: "CONFLICT" } }]) {
      expect(getErrorCode(other)).toBeNull();
      expect(isS3ssionsError(other)).toBe(false);
      expect(getFieldErrors(other)).toEqual({});
      expect(getRequestId(other)).toBeNull();
    }
  });

  it(`splits batches at MAX_BATCH_SIZE (${MAX_BATCH_SIZE}) calls`, async () => {
    const host = await api.user();
    const session = await createClient({ url: api.baseUrl, getAccessToken: () => host.token }).sessions.create.mutate(
      sessionInput(),
    );
    const { fetch, sizes } = recordingFetch();
    const client = createClient({ url: api.baseUrl, fetch });
    const results = await Promise.all(
      Array.from({ length: 120 }, () => client.sessions.byId.query({ id: session.id })),
    );
    expect(results.every((result) => result.id === session.id)).toBe(true);
    expect(sizes()).toEqual([50, 50, 20]);
  });

  it(`keeps every batched GET within MAX_URL_LENGTH (${MAX_URL_LENGTH}) and the server answers each`, async () => {
    const { fetch, requests } = recordingFetch();
    const client = createClient({ url: api.baseUrl, fetch });
    // 40 calls with a 200-character cursor: about 11 KB of URL if sent together.
    const calls = Array.from({ length: 40 }, (_, i) =>
      failure(client.sessions.list.query({ cursor: `${i}`.padEnd(200, "x") })),
    );
    const errors = await Promise.all(calls);
    expect(errors.map(getErrorCode)).toEqual(Array(40).fill("BAD_REQUEST"));
    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests) expect(request.url.length).toBeLessThanOrEqual(MAX_URL_LENGTH);

    const small = recordingFetch();
    const strict = createClient({ url: api.baseUrl, fetch: small.fetch, batch: { maxURLLength: 2048 } });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => failure(strict.sessions.list.query({ cursor: `${i}`.padEnd(200, "y") }))),
    );
    expect(small.requests.length).toBeGreaterThan(requests.length);
    for (const request of small.requests) expect(request.url.length).toBeLessThanOrEqual(2048);
  });

  it("a single query too long for any URL fails before anything is sent", async () => {
    const { fetch, requests } = recordingFetch();
    const client = createClient({ url: api.baseUrl, fetch });
    const error = await failure(client.sessions.byId.query({ id: "x".repeat(MAX_URL_LENGTH) }));
    expect(isS3ssionsError(error)).toBe(true);
    expect(requests).toHaveLength(0);
  });

  it("batch: false sends one request per call; the URL may be given with /api/trpc or a trailing slash", async () => {
    const { fetch, requests } = recordingFetch();
    const unbatched = createClient({ url: `${api.baseUrl}/`, fetch, batch: false });
    await Promise.all([unbatched.health.check.query(), unbatched.health.check.query(), unbatched.health.db.query()]);
    expect(requests).toHaveLength(3);
    expect(requests.every((request) => !request.url.includes("batch=1"))).toBe(true);
    const explicit = createClient({ url: `${api.baseUrl}/api/trpc` });
    expect((await explicit.health.check.query()).status).toBe("ok");
  });

  it("links: a logger in front keeps the defaults; a stream link built from `options` keeps auth and dates", async () => {
    const host = await api.user();
    const { fetch, requests } = recordingFetch();
    const logged: string[] = [];
    const loggedClient = createClient({
      url: api.baseUrl,
      fetch,
      getAccessToken: () => host.token,
      links: ({ http }) => [
        loggerLink({
          console: { log: (...args: unknown[]) => logged.push(String(args[0])), error: () => {} },
          colorMode: "none",
        }),
        http,
      ],
    });
    const [created, check] = await Promise.all([
      loggedClient.sessions.create.mutate(sessionInput({ title: "Through a logger" })),
      loggedClient.health.check.query(),
    ]);
    expect(created.hostId).toBe(host.id);
    expect(check.status).toBe("ok");
    expect(logged.some((line) => /sessions\.create/.test(line))).toBe(true);
    // The batch link still ran: one query and one mutation are two requests, never one per link.
    expect(requests.map((request) => request.method).sort()).toEqual(["GET", "POST"]);

    const streamed = createClient({
      url: api.baseUrl,
      getAccessToken: () => host.token,
      links: ({ options }) => [httpBatchStreamLink(options)],
    });
    const [mine, session] = await Promise.all([
      streamed.bookings.mine.query({ limit: 1 }),
      streamed.sessions.byId.query({ id: created.id }),
    ]);
    expect(mine.items).toEqual([]);
    expect(session.startsAt).toBeInstanceOf(Date);
    expect(() => createClient({ url: api.baseUrl, links: () => [] })).toThrow(TypeError);
  });

  it("exports the wire's transformer: what dehydrated query data needs to come back with Dates", async () => {
    const page = await createClient({ url: api.baseUrl }).sessions.list.query({ limit: 1 });
    const text = JSON.stringify(transformer.serialize({ page, at: new Date(5) }));
    const back = transformer.deserialize<{ page: typeof page; at: Date }>(JSON.parse(text));
    expect(back.at).toEqual(new Date(5));
    expect(back.page).toEqual(page);
  });

  it("refuses batch limits beyond the server's and nonsense timeouts", () => {
    expect(() => createClient({ url: api.baseUrl, batch: { maxItems: MAX_BATCH_SIZE + 1 } })).toThrow(RangeError);
    expect(() => createClient({ url: api.baseUrl, batch: { maxItems: 0 } })).toThrow(RangeError);
    expect(() => createClient({ url: api.baseUrl, batch: { maxURLLength: MAX_URL_LENGTH + 1 } })).toThrow(RangeError);
    expect(() => createClient({ url: api.baseUrl, timeoutMs: -1 })).toThrow(RangeError);
    expect(() => createClient({ url: "" })).toThrow(TypeError);
  });
});

type StubMode = "answer" | "hang" | "stall" | { status: number; type: string; body: string; requestId?: string };

describe("timeouts, aborts, headers and network failures (a stub server)", () => {
  // A server per test: a request an earlier test left behind (a retry of an aborted
  // call, a late batch) reaches that test's server, never the next test's `seen`.
  let server: Server;
  let url: string;
  let mode: StubMode = "answer";
  let seen: IncomingHttpHeaders[] = [];
  const open = new Set<ServerResponse>();

  beforeEach(async () => {
    mode = "answer";
    const log: IncomingHttpHeaders[] = [];
    seen = log;
    server = createServer((request, response) => {
      log.push(request.headers);
      open.add(response);
      response.on("close", () => open.delete(response));
      if (mode === "hang") return;
      if (typeof mode === "object") {
        response.writeHead(mode.status, {
          "content-type": mode.type,
          ...(mode.requestId ? { "x-request-id": mode.requestId } : {}),
        });
        response.end(mode.body);
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      const body = JSON.stringify([{ result: { data: { json: { status: "ok" } } } }]);
      if (mode === "stall") response.write(body.slice(0, 10));
      else response.end(body);
    });
    server.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const response of open) response.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(["hang", "stall"] as const)(
    "a request that does not finish (%s) fails with TIMEOUT after timeoutMs",
    async (how) => {
      mode = how;
      const client = createClient({ url, timeoutMs: 300 });
      const started = performance.now();
      const error = await failure(client.health.check.query());
      const elapsed = performance.now() - started;
      expect(getErrorCode(error)).toBe("TIMEOUT");
      expect(isS3ssionsError(error, "TIMEOUT")).toBe(true);
      expect((error as Error).message).toMatch(/did not answer within 300 ms/);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(5_000);
      expect(new TimeoutError(1).name).toBe("TimeoutError");
    },
  );

  it("a call the caller aborts fails with CLIENT_CLOSED_REQUEST", async () => {
    mode = "hang";
    const client = createClient({ url, timeoutMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(client.health.check.query(undefined, { signal: controller.signal }));
    expect(getErrorCode(error)).toBe("CLIENT_CLOSED_REQUEST");
  });

  it("sends the token and extra headers on every request; the token wins over a stale authorization", async () => {
    let n = 0;
    const client = createClient({
      url,
      headers: () => ({ "x-request-id": `req-${++n}`, Authorization: "Bearer stale" }),
      getAccessToken: () => `token-${n}`,
    });
    expect(await client.health.check.query()).toEqual({ status: "ok" });
    await client.health.check.query();
    expect(seen.map((headers) => [headers["x-request-id"], headers.authorization])).toEqual([
      ["req-1", "Bearer token-1"],
      ["req-2", "Bearer token-2"],
    ]);
    const anonymous = createClient({ url, headers: { "x-app": "web" } });
    await anonymous.health.check.query();
    expect(seen.at(-1)).toMatchObject({ "x-app": "web" });
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  it.each([
    [
      {
        status: 429,
        type: "application/json",
        body: '{"error":{"code":"TOO_MANY_REQUESTS","message":"Slow down","requestId":"r-429"}}',
      },
      "TOO_MANY_REQUESTS",
      "r-429",
    ],
    [
      {
        status: 400,
        type: "application/json",
        body: '{"error":{"code":"BAD_REQUEST","message":"NUL","requestId":"r-400"}}',
      },
      "BAD_REQUEST",
      "r-400",
    ],
    [
      { status: 504, type: "text/plain", body: "An error occurred with your deployment", requestId: "r-504" },
      "GATEWAY_TIMEOUT",
      "r-504",
    ],
    [{ status: 502, type: "text/html", body: "<html>Bad gateway</html>" }, "BAD_GATEWAY", null],
    [{ status: 418, type: "text/html", body: "<html>teapot</html>" }, null, null],
  ])("an answer outside tRPC's shape (%#) still has a code and a request id", async (answer, code, requestId) => {
    mode = answer;
    const error = await failure(createClient({ url }).health.check.query());
    expect(isS3ssionsError(error)).toBe(true);
    expect(getErrorCode(error)).toBe(code);
    expect(getRequestId(error)).toBe(requestId);
  });

  it("a network failure is the SDK's error without a code", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await new Promise((resolve) => closed.once("listening", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(createClient({ url: `http://127.0.0.1:${port}` }).health.check.query());
    expect(isS3ssionsError(error)).toBe(true);
    expect(getErrorCode(error)).toBeNull();
  });
});
