import {
  type ApiProcess,
  type PrivatePgBouncer,
  type TestDatabase,
  createTestDatabase,
  startPrivatePgBouncer,
} from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

// PgBouncer drops every client and server connection mid-load (`KILL db`, then `RESUME db`
// half a second later, twice), on a PgBouncer of this test's own: the shared one is never
// touched.

const INSTANCES = 4;
const CLIENTS = 12;

let tdb: TestDatabase;
let pgbouncer: PrivatePgBouncer;
let instances: ApiProcess[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase("pgbkill");
  pgbouncer = await startPrivatePgBouncer({ poolSize: 4 });
  instances = await startInstances(INSTANCES, instanceEnv(pgbouncer.url(tdb.name)));
});

afterAll(async () => {
  await Promise.all(instances.map((api) => api.stop()));
  await pgbouncer?.stop();
  await tdb?.drop();
});

describe("PgBouncer kills every connection during a load of bookings", () => {
  it("failures are typed 503s, the same processes recover, nothing answered 200 is lost, capacity holds", async () => {
    const sessionIds = await createSessions(instances[0]!.baseUrl, [3, 5, 8, 12]);
    const before = await appBackends(tdb.directUrl);
    expect(before.length).toBeGreaterThan(0);
    const pids = instances.map((api) => api.child.pid);

    const { result, faultAt, faultDoneAt } = await loadWithFault(instances, sessionIds, {
      clients: CLIENTS,
      durationMs: 7_000,
      faultAtMs: 2_000,
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
    expect(deadInstances(instances)).toEqual([]);
    const failed = expectOnlyTypedUnavailability(result.calls);
    console.log(describeLoad(result, { faultAt: Math.round(faultAt), failed: failed.length }));

    await expectRecovered(instances, sessionIds);
    expect(instances.map((api) => api.child.pid)).toEqual(pids);
    // The fault was real: every server connection the app had before is gone.
    const after = await appBackends(tdb.directUrl);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    // Successes on both sides of the fault.
    expect(result.calls.some((c) => c.status === 200 && c.at < faultAt)).toBe(true);
    expect(result.calls.some((c) => c.status === 200 && c.at > faultDoneAt + 500)).toBe(true);

    await expectNothingLost(tdb.directUrl, result);
  });
});
