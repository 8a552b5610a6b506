/**
 * The baseline as a server (the counterpart of `pnpm start`): node:http straight onto the
 * baseline handler, no web Request/Response in between. Bundled by the bench into one file.
 * Env: SUPABASE_DB_URL_TRANSACTION, SUPABASE_JWT_SECRET, PORT (0 = any), HOST.
 * Logs one JSON line `{"msg":"listening","port":…}` when it accepts connections.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createBaseline } from "./handler.js";

const MAX_BODY_BYTES = 1024 * 1024;
const baseline = createBaseline(process.env);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const body = () =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) reject(new Error("body too large"));
        else chunks.push(chunk);
      });
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });
  baseline
    .handle({
      method: req.method ?? "GET",
      path: url.pathname.replace(/\/+$/, "") || "/",
      query: url.searchParams,
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
      },
      body,
    })
    .then(
      (response) => {
        res.writeHead(response.status, response.headers);
        res.end(response.body);
      },
      () => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end('{"error":{"code":"INTERNAL_SERVER_ERROR"}}');
      },
    );
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? "0.0.0.0", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ level: "info", msg: "listening", port })}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    server.close();
    server.closeIdleConnections();
    while (baseline.pending.size > 0) await Promise.allSettled([...baseline.pending]);
    await baseline.pool.end().catch(() => {});
    process.exit(0);
  });
}
