// The SDK's retries (the built SDK against a stub server): which failures are retried,
// how long it waits, and that a mutation is retried only under its idempotency key.
import { afterEach, describe, expect, it } from "vitest";
import { createClient, getErrorCode } from "../dist/index.js";
import { okBatch, type Stub, startStub, trpcError } from "./stub-server.js";
import { failure } from "./support.js";

let stub: Stub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

/** Drops the connection without an answer, as a reset or a crashed instance does. */
const drop = (response: { socket: { destroy(): void } | null }) => response.socket?.destroy();

describe("queries", () => {
  it("a query that meets two dropped connections in a row succeeds on the third attempt", async () => {
    stub = await startStub((request, response, index) => (index < 2 ? drop(response) : okBatch(request, response, () => "ok")));
    await expect(createClient({ url: stub.url }).sessions.list.query({})).resolves.toBe("ok");
    expect(stub.seen).toHaveLength(3);
  });

  it("502, 503 and 504 are retried; after the last attempt the error is that attempt's, typed", async () => {
    const statuses = [502, 504, 503];
    stub = await startStub((_, response, index) => {
      const status = statuses[index] ?? 503;
      trpcError(response, status === 502 ? "BAD_GATEWAY" : status === 504 ? "GATEWAY_TIMEOUT" : "SERVICE_UNAVAILABLE", status);
    });
    const error = await failure(createClient({ url: stub.url, retry: { baseDelayMs: 10 } }).health.db.query());
    expect(getErrorCode(error)).toBe("SERVICE_UNAVAILABLE");
    expect(stub.seen).toHaveLength(3);
  });

  it("a Retry-After: 2 is waited for", async () => {
    stub = await startStub((request, response, index) =>
      index === 0 ? trpcError(response, "SERVICE_UNAVAILABLE", 503, { "retry-after": "2" }) : okBatch(request, response, () => "ok"),
    );
    await expect(createClient({ url: stub.url }).health.db.query()).resolves.toBe("ok");
    const waited = stub.seen[1]!.at - stub.seen[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(1_950);
  });

  it.each([
    [400, "BAD_REQUEST"],
    [401, "UNAUTHORIZED"],
    [404, "NOT_FOUND"],
    [409, "CONFLICT"],
    [500, "INTERNAL_SERVER_ERROR"],
  ])("a %i is not retried", async (status, code) => {
    stub = await startStub((_, response) => trpcError(response, code, status));
    const error = await failure(createClient({ url: stub.url }).sessions.list.query({}));
    expect(getErrorCode(error)).toBe(code);
    expect(stub.seen).toHaveLength(1);
  });

  it("retry: false sends one attempt; attempts sets how many", async () => {
    stub = await startStub((_, response) => drop(response));
    await failure(createClient({ url: stub.url, retry: false }).health.check.query());
    expect(stub.seen).toHaveLength(1);
    await failure(createClient({ url: stub.url, retry: { attempts: 5, baseDelayMs: 1 } }).health.check.query());
    expect(stub.seen).toHaveLength(6);
    expect(() => createClient({ url: stub!.url, retry: { attempts: 0 } })).toThrow(RangeError);
  });

  it("no wait outlasts timeoutMs: a Retry-After beyond the deadline ends the call with that answer", async () => {
    stub = await startStub((_, response) => trpcError(response, "SERVICE_UNAVAILABLE", 503, { "retry-after": "60" }));
    const started = performance.now();
    const error = await failure(createClient({ url: stub.url, timeoutMs: 5_000 }).health.db.query());
    expect(getErrorCode(error)).toBe("SERVICE_UNAVAILABLE");
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(stub.seen).toHaveLength(1);
  });

  it("a Retry-After longer than maxDelayMs is the app's to wait out: the call ends with it", async () => {
    stub = await startStub((_, response) => trpcError(response, "TOO_MANY_REQUESTS", 429, { "retry-after": "60" }));
    const error = await failure(createClient({ url: stub.url, timeoutMs: 0 }).sessions.list.query({}));
    expect(getErrorCode(error)).toBe("TOO_MANY_REQUESTS");
    expect(stub.seen).toHaveLength(1);
  });

  it("an aborted call is not retried", async () => {
    const controller = new AbortController();
    // This call's requests carry a mark of their own: the stub's port is the system's pick,
    // and a port another test file's server just closed can still be reached by that file's
    // retrying client while this test waits (CI saw 5 requests where this call sent 1).
    const mark = `abort-${Math.random().toString(36).slice(2)}`;
    const ours = (request: { headers: Record<string, unknown> }) => request.headers["x-test-call"] === mark;
    // Aborted once the server has the request, then the connection drops: a failure that
    // would be retried, had the caller not aborted.
    stub = await startStub((request, response) => {
      if (ours(request)) controller.abort();
      setTimeout(() => drop(response), 50);
    });
    const client = createClient({ url: stub.url, headers: { "x-test-call": mark } });
    const call = failure(client.health.check.query(undefined, { signal: controller.signal }));
    expect(getErrorCode(await call)).toBe("CLIENT_CLOSED_REQUEST");
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(stub.seen.filter(ours)).toHaveLength(1);
  });
});

describe("mutations", () => {
  it("are retried under one Idempotency-Key per call, the same on every attempt, a new one for a new call", async () => {
    stub = await startStub((request, response, index) =>
      index % 2 === 0 ? drop(response) : okBatch(request, response, () => ({ id: "s1" })),
    );
    const client = createClient({ url: stub.url, retry: { baseDelayMs: 1 } });
    await client.sessions.create.mutate({} as never);
    await client.sessions.create.mutate({} as never);
    const keys = stub.seen.map((request) => request.headers["idempotency-key"]);
    expect(keys).toHaveLength(4);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).toBe(keys[3]);
    expect(keys[2]).not.toBe(keys[0]);
    // Each keyed mutation is a request of its own: the key names one operation.
    expect(stub.seen.every((request) => !request.url.includes("batch=1"))).toBe(true);
  });

  it("a key the caller brings is used as it is", async () => {
    stub = await startStub((request, response) => okBatch(request, response, () => ({ id: "s1" })));
    await createClient({ url: stub.url }).sessions.create.mutate({} as never, { context: { idempotencyKey: "order-42" } });
    expect(stub.seen[0]!.headers["idempotency-key"]).toBe("order-42");
  });

  it("without keys a mutation is never retried", async () => {
    stub = await startStub((_, response) => drop(response));
    const error = await failure(createClient({ url: stub.url, idempotencyKeys: false }).sessions.create.mutate({} as never));
    expect(getErrorCode(error)).toBeNull();
    expect(stub.seen).toHaveLength(1);
    expect(stub.seen[0]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("a keyed mutation still in flight (409 with Retry-After) is asked again; a plain 409 is final", async () => {
    stub = await startStub((request, response, index) =>
      index === 0
        ? trpcError(response, "CONFLICT", 409, { "retry-after": "1" }, false)
        : index === 1
          ? okBatch(request, response, () => ({ id: "s1" }))
          : trpcError(response, "CONFLICT", 409, {}, false),
    );
    const client = createClient({ url: stub.url });
    await expect(client.sessions.create.mutate({} as never)).resolves.toEqual({ id: "s1" });
    expect(getErrorCode(await failure(client.sessions.create.mutate({} as never)))).toBe("CONFLICT");
    expect(stub.seen).toHaveLength(3);
  });
});
