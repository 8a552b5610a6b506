import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateDeploy } from "@s3ssions/schema-engine";
import {
  type ApiProcess,
  MIGRATIONS_DIR,
  type PrivatePgBouncer,
  freePort,
  startPrivatePgBouncer,
} from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "@s3ssions/local-postgres";
import {
  appBackends,
  deadInstances,
  createSessions,
  describeLoad,
  expectNothingLost,
  expectOnlyTypedUnavailability,
  expectRecovered,
  instanceEnv,
  loadWithFault,
  startInstances,
} from "./harness.js";

// Postgres itself restarts mid-load (fast shutdown: every backend is terminated, then a
// new server on the same data). It is a private embedded Postgres (own data directory,
// own port) behind a PgBouncer of this test's own: the shared servers are never touched.

const INSTANCES = 4;
const CLIENTS = 12;
const DATABASE = "s3_restart";

let root: string;
let dataDir: string;
let port: number;
let postgres: EmbeddedPostgres;
let pgbouncer: PrivatePgBouncer;
let instances: ApiProcess[] = [];

function startPostgres() {
  return startEmbeddedPostgres({ dataDir, port, database: DATABASE });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "s3-fault-pg-"));
  dataDir = join(root, "data");
  port = await freePort();
  postgres = await startPostgres();
  await migrateDeploy({ url: postgres.url, migrationsDir: MIGRATIONS_DIR });
  pgbouncer = await startPrivatePgBouncer({
    poolSize: 4,
    upstreamPort: port,
    upstreamPassword: decodeURIComponent(new URL(postgres.url).password),
  });
  instances = await startInstances(INSTANCES, instanceEnv(pgbouncer.url(DATABASE)));
});

afterAll(async () => {
  await Promise.all(instances.map((api) => api.stop()));
  await pgbouncer?.stop();
  await postgres?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("Postgres restarts during a load of bookings", () => {
  it("failures are typed 503s, the same processes recover, nothing answered 200 is lost, capacity holds", async () => {
    const sessionIds = await createSessions(instances[0]!.baseUrl, [3, 5, 8, 12]);
    const before = await appBackends(postgres.url);
    expect(before.length).toBeGreaterThan(0);
    const pids = instances.map((api) => api.child.pid);
    let restartMs = 0;

    const { result, faultAt } = await loadWithFault(instances, sessionIds, {
      clients: CLIENTS,
      durationMs: 7_000,
      faultAtMs: 2_000,
      fault: async () => {
        const started = performance.now();
        const old = postgres.pid;
        await postgres.stop();
        postgres = await startPostgres();
        restartMs = performance.now() - started;
        expect(postgres.pid).not.toBe(old);
      },
    });
    expect(deadInstances(instances)).toEqual([]);
    const failed = expectOnlyTypedUnavailability(result.calls);
    console.log(
      describeLoad(result, { faultAt: Math.round(faultAt), restartMs: Math.round(restartMs), failed: failed.length }),
    );

    await expectRecovered(instances, sessionIds);
    expect(instances.map((api) => api.child.pid)).toEqual(pids);
    expect(result.calls.some((c) => c.status === 200 && c.at < faultAt)).toBe(true);
    expect(result.calls.some((c) => c.status === 200 && c.at > faultAt + restartMs + 500)).toBe(true);
    // A new server: none of the old backends survived.
    expect((await appBackends(postgres.url)).filter((pid) => before.includes(pid))).toEqual([]);

    await expectNothingLost(postgres.url, result);
  });
});
