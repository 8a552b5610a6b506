import {
  type ApiProcess,
  type PrivatePgBouncer,
  type TestDatabase,
  createTestDatabase,
  startPrivatePgBouncer,
} from "@s3ssions/testing";
import { afterAll, beforeAll, describe, it } from "vitest";
import { expectLoadSurvivesFault, startInstances } from "./harness.js";

// PgBouncer drops every client and server connection mid-load (`KILL db`, then `RESUME db`
// half a second later, twice), on a PgBouncer of this test's own: the shared one is never
// touched.

let tdb: TestDatabase;
let pgbouncer: PrivatePgBouncer;
let instances: ApiProcess[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase("pgbkill");
  pgbouncer = await startPrivatePgBouncer({ poolSize: 4 });
  instances = await startInstances(pgbouncer.url(tdb.name));
});

afterAll(async () => {
  await Promise.all(instances.map((api) => api.stop()));
  await pgbouncer?.stop();
  await tdb?.drop();
});

describe("PgBouncer kills every connection during a load of bookings", () => {
  it("failures are typed 503s, the same processes recover, nothing answered 200 is lost, capacity holds", async () => {
    await expectLoadSurvivesFault(instances, {
      directUrl: () => tdb.directUrl,
      // Twice: every connection is dropped, new ones wait half a second, then again.
      fault: async () => {
        for (let round = 0; round < 2; round++) {
          await pgbouncer.admin(`KILL ${tdb.name}`);
          await new Promise((r) => setTimeout(r, 500));
          await pgbouncer.admin(`RESUME ${tdb.name}`);
          if (round === 0) await new Promise((r) => setTimeout(r, 1_000));
        }
      },
    });
  });
});
