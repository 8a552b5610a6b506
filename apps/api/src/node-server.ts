import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { MAX_BODY_BYTES } from "./http-limits.js";

export type FetchHandler = (request: Request) => Promise<Response>;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

function plainError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", connection: "close" });
  res.end(JSON.stringify({ error: { code, message } }));
}

async function toRequest(req: IncomingMessage, signal: AbortSignal): Promise<Request> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers: toHeaders(req), signal };
  if (method !== "GET" && method !== "HEAD") init.body = new Uint8Array(await readBody(req, MAX_BODY_BYTES));
  return new Request(url, init);
}

async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (response.body) {
    for await (const chunk of response.body) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
    }
  }
  res.end();
}

export interface NodeServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** A plain Node HTTP server in front of the same fetch handler the Vercel function uses. */
export function listen(handler: FetchHandler, port: number, host = "0.0.0.0"): Promise<NodeServer> {
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const work = (async () => {
      let request: Request;
      try {
        request = await toRequest(req, controller.signal);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          plainError(res, 413, "PAYLOAD_TOO_LARGE", `Request body is larger than ${MAX_BODY_BYTES} bytes`);
        } else {
          plainError(res, 400, "BAD_REQUEST", "Malformed request");
        }
        return;
      }
      try {
        await sendResponse(res, await handler(request));
      } catch {
        plainError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
      }
    })();
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        async close() {
          const closed = new Promise<void>((done) => server.close(() => done()));
          server.closeIdleConnections();
          await Promise.allSettled([...inFlight]);
          server.closeAllConnections();
          await closed;
        },
      });
    });
  });
}
