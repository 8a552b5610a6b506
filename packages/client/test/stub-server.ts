// A server that answers as each test says, for what the API never does on purpose: hang,
// drop a connection, answer 503 with Retry-After, answer outside tRPC's shape.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

export type StubHandler = (request: SeenRequest, response: ServerResponse, index: number) => void;

export interface Stub {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** tRPC's answer for `count` successful calls (batched) or one (unbatched). */
export function ok(response: ServerResponse, data: unknown, batched = true, headers: Record<string, string> = {}) {
  response.writeHead(200, { "content-type": "application/json", ...headers });
  const item = { result: { data: { json: data } } };
  response.end(JSON.stringify(batched ? [item] : item));
}

/** A success for every call in the request's path: one item per call when batched, the item alone when not. */
export function okBatch(request: SeenRequest, response: ServerResponse, data: (path: string) => unknown) {
  const url = new URL(request.url, "http://x");
  const paths = url.pathname.split("/").at(-1)!.split(",");
  const items = paths.map((path) => ({ result: { data: { json: data(path) } } }));
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(url.searchParams.get("batch") === "1" ? items : items[0]));
}

/** A tRPC error answer with `code`, as the API writes one. */
export function trpcError(
  response: ServerResponse,
  code: string,
  httpStatus: number,
  headers: Record<string, string> = {},
  batched = true,
) {
  response.writeHead(httpStatus, { "content-type": "application/json", ...headers });
  const item = {
    error: {
      json: {
        message: code,
        code: -32603,
        data: { code, httpStatus, path: "x", requestId: "r-1", zodError: null, retryAfterSeconds: null },
      },
    },
  };
  response.end(JSON.stringify(batched ? [item] : item));
}

export async function startStub(handler: StubHandler): Promise<Stub> {
  const seen: SeenRequest[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry: SeenRequest = {
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: performance.now(),
      };
      seen.push(entry);
      open.add(response);
      response.on("close", () => open.delete(response));
      handler(entry, response, seen.length - 1);
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
