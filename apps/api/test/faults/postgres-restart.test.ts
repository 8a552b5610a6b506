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
import { expectLoadSurvivesFault, startInstances } from "./harness.js";

// Postgres itself restarts mid-load (fast shutdown: every backend is terminated, then a
// new server on the same data). It is a private embedded Postgres (own data directory,
// own port) behind a PgBouncer of this test's own: the shared servers are never touched.

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
  instances = await startInstances(pgbouncer.url(DATABASE));
});

afterAll(async () => {
  await Promise.all(instances.map((api) => api.stop()));
  await pgbouncer?.stop();
  await postgres?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("Postgres restarts during a load of bookings", () => {
  it("failures are typed 503s, the same processes recover, nothing answered 200 is lost, capacity holds", async () => {
    await expectLoadSurvivesFault(instances, {
      directUrl: () => postgres.url,
      fault: async () => {
        const old = postgres.pid;
        await postgres.stop();
        postgres = await startPostgres();
        expect(postgres.pid).not.toBe(old);
      },
    });
  });
});
