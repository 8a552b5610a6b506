import { connect } from "node:net";
import type { Logger } from "@s3ssions/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, type NodeServer } from "../src/node-server.js";
import { SECURITY_HEADERS } from "../src/security-headers.js";

// What the local server answers by itself: a handler that failed, a request Node's parser
// refused. Every such answer has the security headers and the error envelope with a
// request id, and leaves a log line: nothing is answered unseen.

const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
const logger: Logger = { log: (level, msg, fields = {}) => void lines.push({ level, msg, fields }) };
let server: NodeServer;
let baseUrl: string;

beforeAll(async () => {
  server = await listen(
    async () => {
      throw new Error("handler bug");
    },
    0,
    "127.0.0.1",
    logger,
  );
  baseUrl = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server?.close());

describe("the local server's own answers", () => {
  it("a handler that throws: 500 with security headers and the request id, logged with its stack", async () => {
    const response = await fetch(`${baseUrl}/health`, { headers: { "x-request-id": "node-server-500" } });
    expect(response.status).toBe(500);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers.get(name), name).toBe(value);
    expect(response.headers.get("x-request-id")).toBe("node-server-500");
    const body = (await response.json()) as { error: { json: { data: { requestId: string } } } };
    expect(body.error.json.data.requestId).toBe("node-server-500");
    const line = lines.find((l) => l.fields.requestId === "node-server-500");
    expect(line).toMatchObject({
      level: "error",
      msg: "request failed",
      fields: { error: "handler bug", status: 500 },
    });
    expect(String(line?.fields.stack)).toMatch(/handler bug/);
  });

  it("a request Node's parser refuses: 400 with security headers, logged", async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, "127.0.0.1");
      const chunks: Buffer[] = [];
      socket.on("data", (chunk) => chunks.push(chunk));
      socket.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      socket.on("error", reject);
      socket.write("NOT HTTP AT ALL\r\n\r\n");
    });
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(text).toContain(`${name}: ${value}`);
    const requestId = /x-request-id: (\S+)/.exec(text)?.[1];
    expect(text).toContain(`"requestId":"${requestId}"`);
    await expect
      .poll(() => lines.find((l) => l.fields.requestId === requestId))
      .toMatchObject({ level: "warn", msg: "malformed request", fields: { status: 400 } });
  });
});
