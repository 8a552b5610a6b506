import { fileURLToPath } from "node:url";
import { type TestDatabase, createTestDatabase, ensurePgBouncer, spawnApi } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const APP_DIR = fileURLToPath(new URL("..", import.meta.url));
const NAMED_STATEMENTS_SERVER = fileURLToPath(new URL("./fixtures/named-statements-server.ts", import.meta.url));
const RESTARTS = 10;

let tdb: TestDatabase;
beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("restart");
});
afterAll(() => tdb?.drop());

// The health check and Prisma's query path (sessions.list), each more than once per process.
const ROUTES = ["/health/db", "/api/trpc/sessions.list", "/api/trpc/health.db", "/api/trpc/sessions.list"];

/**
 * What killed the old service: every cold start is a new process on a pooler
 * connection that an earlier process used. Each fresh process serves a few requests
 * and stops; every answer counts.
 */
async function restartRounds(entry?: { entry: string; args: string[]; cwd: string }) {
  const failures: string[] = [];
  let answered = 0;
  for (let round = 0; round < RESTARTS; round++) {
    const api = await spawnApi({ ...entry, env: { SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl() } });
    try {
      for (const route of ROUTES) {
        const res = await fetch(`${api.baseUrl}${route}`);
        answered++;
        if (res.status !== 200) failures.push(`round ${round} ${route}: ${res.status}`);
      }
    } finally {
      await api.stop();
    }
  }
  return { answered, failures };
}

describe("fresh processes in a row through one pooler", () => {
  it(`${RESTARTS} restarts: every request answered`, async () => {
    const { answered, failures } = await restartRounds();
    expect(answered).toBe(RESTARTS * ROUTES.length);
    expect(failures).toEqual([]);
  });

  it("negative control: a driver that names its statements fails the same test", async () => {
    const { failures } = await restartRounds({
      entry: NAMED_STATEMENTS_SERVER,
      args: ["--import", "tsx"],
      cwd: APP_DIR,
    });
    // The first process prepares on a fresh server connection; every later one collides.
    expect(failures.length).toBeGreaterThanOrEqual(RESTARTS - 1);
  });
});
