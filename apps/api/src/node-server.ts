import { once } from "node:events";
import { type IncomingMessage, STATUS_CODES, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { httpError, type Logger } from "@s3ssions/api/runtime";
import { FastResponse, NodeRequest, sendNodeResponse } from "srvx/node";
import { MAX_BODY_BYTES } from "./http-limits.js";
import { requestIdOf } from "./request-id.js";
import { SECURITY_HEADERS } from "./security-headers.js";

export type FetchHandler = (request: Request) => Promise<Response>;
type ErrorCode = Parameters<typeof httpError>[1];

/**
 * An error the server answers itself (the request never reached the fetch handler, or its
 * answer failed), in the API's one error envelope, naming the caller's request id when it
 * sent a sane one. The connection closes after it.
 */
async function errorAnswer(status: number, code: ErrorCode, message: string, givenRequestId?: string) {
  const requestId = requestIdOf(givenRequestId);
  const response = httpError(status, code, message, requestId, {
    ...SECURITY_HEADERS,
    "x-request-id": requestId,
    connection: "close",
  });
  const body = await response.text();
  return { requestId, headers: Object.fromEntries(response.headers), body };
}

async function sendError(res: ServerResponse, req: IncomingMessage, status: number, code: ErrorCode, message: string) {
  const { requestId, headers, body } = await errorAnswer(
    status,
    code,
    message,
    req.headers["x-request-id"] as string | undefined,
  );
  if (res.destroyed) return requestId;
  if (res.headersSent) {
    res.destroy();
    return requestId;
  }
  res.writeHead(status, headers);
  res.end(body);
  return requestId;
}

/** A body declared larger than the limit: never read; the handler answers 413 from the header. */
function declaredTooLarge(req: IncomingMessage): boolean {
  return Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES;
}

/** Until the response is sent, or its connection is gone (a client that hung up mid-answer). */
async function send(res: ServerResponse, response: Response): Promise<void> {
  if (res.destroyed) return void (await response.body?.cancel().catch(() => {}));
  await Promise.race([sendNodeResponse(res, response), once(res, "close")]);
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

/**
 * A plain Node HTTP server in front of the same fetch handler the Vercel function uses,
 * bridged by srvx: a request is read from Node's lazily, and a response built with srvx's
 * FastResponse goes out without a web stream. `Response` in this process is that class
 * (tRPC builds its answers with the global), a web Response to every reader.
 */
export function listen(
  handler: FetchHandler,
  port: number,
  host = "0.0.0.0",
  /** Where the server's own answers are logged (the handler logs every request it answers). */
  logger?: Logger,
): Promise<NodeServer> {
  globalThis.Response = FastResponse as unknown as typeof Response;
  const inFlight = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;
  const server = createServer((req, res) => {
    // A request that arrives on an open keep-alive connection during shutdown is still
    // served (the client already sent it), and its connection closes after the response.
    // So does one whose oversized body is left unread.
    if (closing || declaredTooLarge(req)) res.shouldKeepAlive = false;
    const work = (async () => {
      try {
        // srvx's request reads Node's lazily (headers, URL, body, signal on first use);
        // the body is capped by the handler's JSON guard as it reads it.
        const response = await handler(new NodeRequest({ req, res }) as unknown as Request);
        // Shutting down since the request came: its connection ends with this response.
        if (closing) res.shouldKeepAlive = false;
        await send(res, response);
      } catch (error) {
        const requestId = await sendError(res, req, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
        logger?.log("error", "request failed", {
          requestId,
          method: req.method,
          status: 500,
          error: error instanceof Error ? error.message : String(error),
          stack: error instanceof Error ? error.stack : undefined,
        });
      }
    })();
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  // An idle keep-alive connection is closed after a minute, not Node's 5 s: a client that
  // reuses a pooled connection just as the server closes it gets a network error, not an
  // answer. Clients keep a connection for the hinted timeout less a second (Node's agent,
  // undici), load balancers for about 60 s; under load a client whose loop stalled past
  // that second sent a request on every connection the server had just closed (pnpm bench,
  // /health at c=32: 31 errors; reproduced by stalling the client across the deadline).
  server.keepAliveTimeout = 65_000;
  // Requests Node's parser refuses (headers or URL over 16 KiB, malformed HTTP) get a JSON
  // error like every other refusal, instead of Node's bare status line.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
    const status = tooLarge ? 431 : 400;
    const message = tooLarge ? "Request headers or URL are too large" : "Malformed request";
    // Nothing of the request was parsed, its x-request-id included: the id is ours.
    void errorAnswer(status, "BAD_REQUEST", message).then(({ requestId, headers, body }) => {
      logger?.log("warn", "malformed request", { requestId, status, error: error.code ?? error.message });
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
