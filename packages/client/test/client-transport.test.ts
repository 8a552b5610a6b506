// The built SDK (dist/) against a stub server, for what the API never does on purpose (hang,
// stall, drop, answer outside tRPC's shape): timeouts, aborts, headers, network failures.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClient, getErrorCode, getRequestId, isS3ssionsError, TimeoutError } from "../dist/index.js";
import { failure } from "./support.js";

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
