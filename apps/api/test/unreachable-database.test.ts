import { type AddressInfo, type Socket, createServer } from "node:net";
import { type ApiProcess, spawnApi } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A port that accepts TCP and then says nothing: a database that hangs, the worst case.
const sockets: Socket[] = [];
const silent = createServer((socket) => void sockets.push(socket));
let silentPort: number;
const running: ApiProcess[] = [];

beforeAll(async () => {
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  silentPort = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  await Promise.all(running.map((api) => api.stop("SIGKILL")));
  for (const s of sockets) s.destroy();
  silent.close();
});

async function start(url: string) {
  const api = await spawnApi({ env: { SUPABASE_DB_URL_TRANSACTION: url } });
  running.push(api);
  return api;
}

describe("starting with the database unreachable", () => {
  it("starts anyway, answers /health, and /health/db 503 within the connect timeout", async () => {
    const api = await start(
      `postgresql://app:S3cretPassw0rd@127.0.0.1:${silentPort}/db?pgbouncer=true&connect_timeout=2`,
    );
    expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);

    const started = performance.now();
    const res = await fetch(`${api.baseUrl}/health/db`);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(503);
    expect(elapsed).toBeGreaterThan(1_500);
    expect(elapsed).toBeLessThan(4_000);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body).toMatchObject({ status: "error", database: "disconnected", reason: "connect timeout" });
    expect(text).not.toMatch(/S3cretPassw0rd|postgresql:|app@|127\.0\.0\.1|at .*\(|\.ts:|\.js:/);
  });

  it("refused connections answer 503 at once, over tRPC as SERVICE_UNAVAILABLE", async () => {
    const api = await start("postgresql://app:S3cretPassw0rd@127.0.0.1:1/db?pgbouncer=true&connection_limit=1");
    const res = await fetch(`${api.baseUrl}/health/db`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ database: "disconnected", reason: "connection refused" });

    const trpc = await fetch(`${api.baseUrl}/api/trpc/health.db`);
    expect(trpc.status).toBe(503);
    const text = await trpc.text();
    expect(JSON.parse(text).error.json.data.code).toBe("SERVICE_UNAVAILABLE");
    expect(text).not.toMatch(/S3cretPassw0rd|postgresql:|stack/);
    // The password never reaches the log either.
    expect(api.output.join("\n")).not.toContain("S3cretPassw0rd");
  });

  it("refuses to start with a clear message when the environment is invalid", async () => {
    await expect(spawnApi({ env: { APP_ENV: "production", SUPABASE_DB_URL_TRANSACTION: "nope" } })).rejects.toThrow(
      /SUPABASE_DB_URL_TRANSACTION must be a postgresql:\/\/ URL[\s\S]*SUPABASE_URL is required in production/,
    );
  });
});
