import {
  type TestDatabase,
  createTestDatabase,
  ensurePgBouncer,
  pgbouncerClientCount,
  spawnApi,
} from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let tdb: TestDatabase;

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("limit");
});
afterAll(() => tdb?.drop());

/** Fires `count` concurrent database requests at a server while sampling its pooler connections. */
async function loadAndSample(connectionLimit: number, count: number) {
  const api = await spawnApi({
    env: { SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl({ pgbouncer: true, connection_limit: connectionLimit }) },
  });
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await pgbouncerClientCount(tdb.name));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    const statuses = await Promise.all(
      // A page of sessions each: a statement of its own (health probes would share one round trip).
      Array.from({ length: count }, () => fetch(`${api.baseUrl}/api/trpc/sessions.list`).then((r) => r.status)),
    );
    return { statuses, peak };
  } finally {
    running = false;
    await sampler;
    await api.stop();
  }
}

describe("connection_limit through the pooler", () => {
  it("connection_limit=1: 30 concurrent requests all succeed on one pooler connection", async () => {
    const { statuses, peak } = await loadAndSample(1, 30);
    expect(statuses).toEqual(Array(30).fill(200));
    expect(peak).toBe(1);
  });

  it("control: connection_limit=4 is seen using more than one", async () => {
    const { statuses, peak } = await loadAndSample(4, 30);
    expect(statuses).toEqual(Array(30).fill(200));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });
});
