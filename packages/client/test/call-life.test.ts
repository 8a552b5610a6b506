// One life per call (the built SDK against a stub server): a call's signal and timeoutMs
// cover all of it — the token, every attempt, the waits, the body — whether or not it
// shares a batch; credentials are each call's own.
import { afterEach, describe, expect, it } from "vitest";
import { createClient, getErrorCode } from "../dist/index.js";
import { ok, okBatch, type Stub, startStub } from "./stub-server.js";
import { failure } from "./support.js";

let stub: Stub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const pathsOf = (url: string) => new URL(url, "http://x").pathname.split("/").at(-1)!.split(",");

describe("abort and timeout", () => {
  it("an aborted call in a batch fails at once with CLIENT_CLOSED_REQUEST while its neighbour succeeds", async () => {
    stub = await startStub((request, response) => setTimeout(() => okBatch(request, response, () => "ok"), 1_500));
    const client = createClient({ url: stub.url });
    const controller = new AbortController();
    const started = performance.now();
    const aborted = failure(client.health.check.query(undefined, { signal: controller.signal }));
    const neighbour = client.health.db.query();
    setTimeout(() => controller.abort(), 100);
    const error = await aborted;
    const abortedAfter = performance.now() - started;
    expect(getErrorCode(error)).toBe("CLIENT_CLOSED_REQUEST");
    expect(abortedAfter).toBeLessThan(1_400);
    await expect(neighbour).resolves.toBe("ok");
    expect(stub.seen).toHaveLength(1);
    expect(pathsOf(stub.seen[0]!.url)).toEqual(["health.check", "health.db"]);
  });

  it.each([true, false])("a mutation aborted before it was sent never reaches the server (keys: %s)", async (keys) => {
    stub = await startStub((request, response) => okBatch(request, response, () => ({ id: "s" })));
    const client = createClient({ url: stub.url, idempotencyKeys: keys });
    const controller = new AbortController();
    controller.abort();
    const input = { title: "x" } as never;
    const [error] = await Promise.all([
      failure(client.sessions.create.mutate(input, { signal: controller.signal })),
      client.sessions.cancel.mutate({ id: crypto.randomUUID() } as never),
    ]);
    expect(getErrorCode(error)).toBe("CLIENT_CLOSED_REQUEST");
    expect(stub.seen.flatMap((request) => pathsOf(request.url))).toEqual(["sessions.cancel"]);
  });

  it("a getAccessToken that never settles ends in TIMEOUT at timeoutMs, and abort ends it too", async () => {
    stub = await startStub((_, response) => ok(response, "ok"));
    const hanging = createClient({ url: stub.url, timeoutMs: 300, getAccessToken: () => new Promise<string>(() => {}) });
    const started = performance.now();
    const timedOut = await failure(hanging.bookings.mine.query({}));
    expect(getErrorCode(timedOut)).toBe("TIMEOUT");
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);

    const patient = createClient({ url: stub.url, timeoutMs: 0, getAccessToken: () => new Promise<string>(() => {}) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const aborted = await failure(patient.bookings.mine.query({}, { signal: controller.signal }));
    expect(getErrorCode(aborted)).toBe("CLIENT_CLOSED_REQUEST");
    expect(stub.seen).toHaveLength(0);
  });

  it("timeoutMs beyond what a timer can hold is refused when the client is created", () => {
    for (const timeoutMs of [Number.MAX_SAFE_INTEGER, 30 * 24 * 3600 * 1000, 2 ** 31]) {
      expect(() => createClient({ url: "http://127.0.0.1:1", timeoutMs })).toThrow(RangeError);
    }
    expect(() => createClient({ url: "http://127.0.0.1:1", timeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });

  it("a long timeoutMs is honoured, not read as 1 ms", async () => {
    stub = await startStub((_, response) => setTimeout(() => ok(response, "ok"), 200));
    const client = createClient({ url: stub.url, timeoutMs: 2 ** 31 - 1 });
    await expect(client.health.check.query()).resolves.toBe("ok");
  });
});

describe("the request a call becomes", () => {
  it("a base URL with a query string keeps it on every request, after the tRPC path", async () => {
    stub = await startStub((request, response) => okBatch(request, response, () => "ok"));
    const client = createClient({ url: `${stub.url}/?x-vercel-protection-bypass=secret123` });
    await client.health.check.query();
    await client.sessions.cancel.mutate({ id: crypto.randomUUID() } as never);
    for (const request of stub.seen) {
      const parsed = new URL(request.url, "http://x");
      expect(parsed.pathname).toMatch(/^\/api\/trpc\/(health\.check|sessions\.cancel)$/);
      expect(parsed.searchParams.get("x-vercel-protection-bypass")).toBe("secret123");
    }
    await stub.close();
    stub = await startStub((_, response) => ok(response, "ok", false));
    const direct = createClient({ url: `${stub.url}/api/trpc?x-vercel-protection-bypass=s`, batch: false });
    await direct.health.check.query();
    expect(new URL(stub.seen[0]!.url, "http://x").pathname).toBe("/api/trpc/health.check");
    expect(new URL(stub.seen[0]!.url, "http://x").searchParams.get("x-vercel-protection-bypass")).toBe("s");
  });

  it.each([
    ["a Headers object", () => new Headers({ "x-app": "web" })],
    ["[name, value] pairs", () => [["x-app", "web"]] as [string, string][]],
  ])("headers as %s are sent, with and without a token", async (_, make) => {
    stub = await startStub((request, response) => okBatch(request, response, () => "ok"));
    await createClient({ url: stub.url, headers: make() }).health.check.query();
    await createClient({ url: stub.url, headers: make(), getAccessToken: () => "t" }).health.check.query();
    await createClient({ url: stub.url, headers: async () => make(), getAccessToken: () => "t" }).health.check.query();
    expect(stub.seen.map((request) => [request.headers["x-app"], request.headers.authorization])).toEqual([
      ["web", undefined],
      ["web", "Bearer t"],
      ["web", "Bearer t"],
    ]);
  });

  it("calls with different tokens in one tick never share a request; equal tokens do", async () => {
    stub = await startStub((request, response) => okBatch(request, response, () => request.headers.authorization));
    let current = "";
    const client = createClient({ url: stub.url, getAccessToken: () => current });
    const calls = ["a", "b", "a", "c", "b"].map((token) => {
      current = token;
      return client.health.check.query();
    });
    expect(await Promise.all(calls)).toEqual(["Bearer a", "Bearer b", "Bearer a", "Bearer c", "Bearer b"]);
    expect(stub.seen.map((request) => [request.headers.authorization, pathsOf(request.url).length]).sort()).toEqual([
      ["Bearer a", 2],
      ["Bearer b", 2],
      ["Bearer c", 1],
    ]);
  });

  it("a gateway's 429 with Retry-After and a text body keeps retryAfterSeconds in error.data", async () => {
    stub = await startStub((_, response) => {
      response.writeHead(429, { "content-type": "text/plain", "retry-after": "120" });
      response.end("Too Many Requests");
    });
    const error = await failure(createClient({ url: stub.url }).health.check.query());
    expect(getErrorCode(error)).toBe("TOO_MANY_REQUESTS");
    expect((error as { data?: { retryAfterSeconds?: number } }).data?.retryAfterSeconds).toBe(120);
    // 120 s does not fit in the call's 30 s: not waited for, not retried.
    expect(stub.seen).toHaveLength(1);
  });
});
