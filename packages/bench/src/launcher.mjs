// A tiny stand-in for Vercel's Node launcher: imports a function file (its default
// `{ fetch }` web handler, or a named GET/POST export) at start, then serves it over
// node:http, turning each request into a web Request and the Response back. Work passed to
// `waitUntil` (via the request context @vercel/functions reads) is kept until it settles.
// Used by the bench to time a function's cold start: spawn → first /health/db 200.
//
//   PORT=0 node packages/bench/src/launcher.mjs path/to/index.mjs
// Logs `{"msg":"listening","port":…}` once the handler is loaded and the port is open.
import { AsyncLocalStorage } from "node:async_hooks";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const file = process.argv[2];
if (!file) throw new Error("usage: launcher.mjs <function file>");

const context = new AsyncLocalStorage();
const pending = new Set();
globalThis[Symbol.for("@vercel/request-context")] = { get: () => context.getStore() };

const mod = await import(pathToFileURL(resolve(file)).href);
const handler =
  typeof mod.default?.fetch === "function"
    ? (request) => mod.default.fetch(request)
    : (request) => (mod[request.method] ?? mod.GET)(request);

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const server = createServer(async (req, res) => {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const method = req.method ?? "GET";
    const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
    const request = new Request(new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`), {
      method,
      headers,
      body,
    });
    const waitUntil = (promise) => {
      const tracked = Promise.resolve(promise).catch(() => {});
      pending.add(tracked);
      tracked.finally(() => pending.delete(tracked));
    };
    const response = await context.run({ waitUntil }, () => handler(request));
    const out = {};
    response.headers.forEach((value, name) => {
      out[name] = value;
    });
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error));
  }
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ level: "info", msg: "listening", port: server.address().port })}\n`);
});
process.once("SIGTERM", async () => {
  server.close();
  server.closeIdleConnections();
  while (pending.size > 0) await Promise.allSettled([...pending]);
  process.exit(0);
});
