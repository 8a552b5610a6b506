import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { type TestDatabase, createTestDatabase, ensurePgBouncer, spawnApi, sql } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const APP_DIR = fileURLToPath(new URL("..", import.meta.url));
const NAMED_STATEMENTS_SERVER = fileURLToPath(new URL("./fixtures/named-statements-server.ts", import.meta.url));
const RESTARTS = 10;

let tdb: TestDatabase;
const SESSION_ID = randomUUID();
beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("restart");
  await sql(
    tdb.directUrl,
    `INSERT INTO sessions (id, host_id, title, starts_at, ends_at, timezone, capacity, updated_at)
     VALUES ($1, $2, 'restart', now() + interval '1 day', now() + interval '25 hours', 'UTC', 5, now())`,
    [SESSION_ID, randomUUID()],
  );
});
afterAll(() => tdb?.drop());

// The health check (a shared ping, simple protocol), statements with and without
// parameters (sessions.byId, sessions.list; extended protocol, unnamed), byId twice per process.
// Prisma's own path through the pooler is tested in packages/db (no procedure uses it).
const BY_ID = `/api/trpc/sessions.byId?input=${encodeURIComponent(JSON.stringify({ json: { id: SESSION_ID } }))}`;
const ROUTES = ["/health/db", BY_ID, "/api/trpc/sessions.list", "/api/trpc/health.db", BY_ID];

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

// Ten process starts (the control's under tsx) take seconds alone and minutes when the
// suites share a loaded 2-core machine: a ceiling against hangs, not a measurement.
describe("fresh processes in a row through one pooler", { timeout: 240_000 }, () => {
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
