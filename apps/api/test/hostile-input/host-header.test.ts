import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, MAX_URL_LENGTH } from "../../src/http-limits.js";
import { SECURITY_HEADERS } from "../../src/security-headers.js";
import { type DomainApi, startDomainApi } from "../support.js";

// Requests whose URL cannot be built from what the client sent (a Host header Node lets
// through, that the URL parser refuses): a client error, answered like every other one —
// a 400 in the API's error envelope naming its request id, the security headers, and a
// log line. Before, the URL failed to parse before the handler's try: an unlogged 500.

let ctx: DomainApi;
beforeAll(async () => {
  ctx = await startDomainApi("hostile_host");
});
afterAll(() => ctx?.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP/1.1 request written by hand, so that the Host header is exactly the test's. */
function rawRequest(head: string): Promise<RawAnswer> {
  const url = new URL(ctx.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const [statusLine = "", ...lines] = text.slice(0, split).split("\r\n");
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
      );
      const rest = text.slice(split + 4);
      const body = headers["transfer-encoding"] === "chunked" ? unchunked(rest) : rest;
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
    });
    socket.write(`${head}\r\nconnection: close\r\n\r\n`);
  });
}

/** A chunked body's bytes (ASCII here: the API answers JSON). */
function unchunked(text: string): string {
  let body = "";
  let rest = text;
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!size) return body;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

function logLineOf(requestId: string, msg = "request") {
  const line = ctx.api.output.find((l) => l.includes(`"msg":"${msg}"`) && l.includes(`"requestId":"${requestId}"`));
  return line ? (JSON.parse(line) as { status: number; path: string }) : undefined;
}

describe("a Host header the URL parser refuses", () => {
  // Ports out of range: Node's parser lets them through, the URL parser refuses them.
  const hosts = ["localhost:99999", "localhost:65536", "[::1]:70000", "example.com:70000"];

  it.each(hosts)("Host: %s → 400 with request id, security headers and a log line", async (host) => {
    for (const path of ["/health", "/api/trpc/sessions.list"]) {
      const requestId = `host-${host.replace(/[^\w]/g, "_")}-${path.length}`;
      const answer = await rawRequest(`GET ${path} HTTP/1.1\r\nhost: ${host}\r\nx-request-id: ${requestId}`);
      expect(answer.status, answer.body).toBe(400);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(answer.headers[name], name).toBe(value);
      expect(answer.headers["x-request-id"]).toBe(requestId);
      const body = JSON.parse(answer.body) as { error: { json: { message: string; data: Record<string, unknown> } } };
      expect(body.error.json.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400, requestId });
      expect(body.error.json.message).toMatch(/Host|URL/);
      await expect.poll(() => logLineOf(requestId)?.status).toBe(400);
    }
  });

  it("a sane Host is still served", async () => {
    const answer = await rawRequest("GET /health HTTP/1.1\r\nhost: localhost:3000\r\nx-request-id: host-sane");
    expect(answer.status).toBe(200);
    await expect.poll(() => logLineOf("host-sane")).toMatchObject({ status: 200, path: "/health" });
  });
});

describe("every kind of answer: security headers, the request id in header and body, a log line", () => {
  const cases: [name: string, head: string, status: number, logged: string][] = [
    ["a health check", "GET /health HTTP/1.1\r\nhost: localhost", 200, "request"],
    ["an unknown route", "GET /nope HTTP/1.1\r\nhost: localhost", 404, "request"],
    ["a mutation over GET", "GET /api/trpc/bookings.create HTTP/1.1\r\nhost: localhost", 405, "request"],
    [
      "a body declared too large",
      `POST /api/trpc/sessions.create HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${MAX_BODY_BYTES + 1}`,
      413,
      "request",
    ],
    ["a URL too long", `GET /${"a".repeat(MAX_URL_LENGTH)} HTTP/1.1\r\nhost: localhost`, 414, "request"],
    ["a Host with a port out of range", "GET /health HTTP/1.1\r\nhost: localhost:99999", 400, "request"],
    [
      "headers past Node's limit",
      `GET /health HTTP/1.1\r\nhost: localhost\r\nx-big: ${"b".repeat(17_000)}`,
      431,
      "malformed request",
    ],
    ["not HTTP at all", "NOT HTTP AT ALL", 400, "malformed request"],
  ];

  it.each(cases)("%s (%i)", async (_name, head, status, logged) => {
    const answer = await rawRequest(head);
    expect(answer.status, answer.body).toBe(status);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(answer.headers[name], name).toBe(value);
    const requestId = answer.headers["x-request-id"] ?? "";
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    if (status >= 400) {
      const body = JSON.parse(answer.body) as { error: { json: { data: { requestId: string } } } };
      expect(body.error.json.data.requestId).toBe(requestId);
    }
    await expect.poll(() => logLineOf(requestId, logged)?.status).toBe(status);
  });
});
