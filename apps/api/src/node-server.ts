import { type IncomingMessage, STATUS_CODES, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { httpError } from "@s3ssions/api";
import { MAX_BODY_BYTES } from "./http-limits.js";
import { requestIdOf } from "./request-id.js";

export type FetchHandler = (request: Request) => Promise<Response>;
type ErrorCode = Parameters<typeof httpError>[1];

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

/**
 * An error the server answers itself (the request never reached the fetch handler, or its
 * answer failed), in the API's one error envelope, naming the caller's request id when it
 * sent a sane one. The connection closes after it.
 */
async function errorAnswer(status: number, code: ErrorCode, message: string, givenRequestId?: string) {
  const requestId = requestIdOf(givenRequestId);
  const response = httpError(status, code, message, requestId, { "x-request-id": requestId, connection: "close" });
  const body = await response.text();
  return { headers: Object.fromEntries(response.headers), body };
}

async function sendError(res: ServerResponse, req: IncomingMessage, status: number, code: ErrorCode, message: string) {
  if (res.destroyed) return;
  const { headers, body } = await errorAnswer(status, code, message, req.headers["x-request-id"] as string | undefined);
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, headers);
  res.end(body);
}

/** A body declared larger than the limit: never read; the handler answers 413 from the header. */
function declaredTooLarge(req: IncomingMessage): boolean {
  return Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES;
}

async function toRequest(req: IncomingMessage, signal: AbortSignal): Promise<Request> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers: toHeaders(req), signal };
  if (method !== "GET" && method !== "HEAD" && !declaredTooLarge(req)) {
    init.body = new Uint8Array(await readBody(req, MAX_BODY_BYTES));
  }
  return new Request(url, init);
}

/**
 * Until the response can take more, or its connection is gone. A write to a destroyed
 * response returns false and 'drain' never comes: waiting for 'drain' alone left every
 * request whose client hung up in flight forever, and a graceful shutdown never drained.
 */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function sendResponse(res: ServerResponse, response: Response, closeConnection: boolean): Promise<void> {
  // The client hung up before its answer: nobody reads it.
  if (res.destroyed) return void (await response.body?.cancel());
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  // Shutting down (or a body left unread): this connection ends with this response.
  if (closeConnection) headers.connection = "close";
  res.writeHead(response.status, headers);
  if (response.body) {
    // Leaving the loop early cancels the body's stream.
    for await (const chunk of response.body) {
      if (res.destroyed) break;
      if (!res.write(chunk)) await drained(res);
    }
  }
  res.end();
}

export interface NodeServer {
  server: Server;
  port: number;
  /** Requests being handled right now. */
  readonly inFlight: number;
  /**
   * Graceful close: stops listening at once (a new connection is refused), closes idle
   * keep-alive connections, lets every request in flight finish (its response says
   * `Connection: close`), then resolves. Idempotent.
   */
  close(): Promise<void>;
}

/** A plain Node HTTP server in front of the same fetch handler the Vercel function uses. */
export function listen(handler: FetchHandler, port: number, host = "0.0.0.0"): Promise<NodeServer> {
  const inFlight = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;
  const server = createServer((req, res) => {
    // A request that arrives on an open keep-alive connection during shutdown is still
    // served (the client already sent it), and its connection closes after the response.
    // So does one whose oversized body is left unread.
    if (closing || declaredTooLarge(req)) res.shouldKeepAlive = false;
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
          await sendError(res, req, 413, "PAYLOAD_TOO_LARGE", `Request body is larger than ${MAX_BODY_BYTES} bytes`);
        } else {
          await sendError(res, req, 400, "BAD_REQUEST", "Malformed request");
        }
        return;
      }
      try {
        const response = await handler(request);
        await sendResponse(res, response, closing !== undefined || !res.shouldKeepAlive);
      } catch {
        await sendError(res, req, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
      }
    })();
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  server.keepAliveTimeout = 5_000;
  // Requests Node's parser refuses (headers or URL over 16 KiB, malformed HTTP) get a JSON
  // error like every other refusal, instead of Node's bare status line.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
    const status = tooLarge ? 431 : 400;
    const message = tooLarge ? "Request headers or URL are too large" : "Malformed request";
    // Nothing of the request was parsed, its x-request-id included: the id is ours.
    void errorAnswer(status, "BAD_REQUEST", message).then(({ headers, body }) => {
      const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, `content-length: ${Buffer.byteLength(body)}`];
      for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
      socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        get inFlight() {
          return inFlight.size;
        },
        close() {
          closing ??= (async () => {
            const closed = new Promise<void>((done) => server.close(() => done()));
            server.closeIdleConnections();
            // Requests that start while we wait (already on an open connection) are waited for too.
            while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
            server.closeAllConnections();
            await closed;
          })();
          return closing;
        },
      });
    });
  });
}
