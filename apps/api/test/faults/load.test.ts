import { type LoadRig, bookingInvariants, runLoad, sql, startLoadRig } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A small `pnpm bench:load`: several function instances (one pooled connection each)
// behind a PgBouncer whose server pool is smaller than the number of instances, many
// clients, the full mix. Correctness only: no timing is asserted.

const INSTANCES = 3;
const POOL_SIZE = 2;
const CLIENTS = 12;
const REQUESTS = 480;

let rig: LoadRig;

beforeAll(async () => {
  // Small capacities: the sessions fill, waitlist, promote on cancellations.
  rig = await startLoadRig({ instances: INSTANCES, poolSize: POOL_SIZE, capacities: [2, 3, 5, 8], label: "loadtest" });
});

afterAll(async () => {
  await rig?.close();
});

describe(`load: ${INSTANCES} instances × ${CLIENTS} clients through a PgBouncer pool of ${POOL_SIZE}`, () => {
  it(`${REQUESTS} mixed requests: no errors, no overbooking, counters equal the rows, one active booking per user and session`, async () => {
    const result = await runLoad({
      instances: rig.instances.map((api) => api.baseUrl),
      clients: CLIENTS,
      sessionIds: rig.sessionIds,
      jwtSecret: rig.jwtSecret,
      requests: REQUESTS,
      // Few users per session and plenty of cancellations: contention on every path.
      usersPerClient: 2,
      mix: { "bookings.create": 40, "bookings.cancel": 20 },
    });
    expect(result.calls).toHaveLength(REQUESTS);
    const errors = result.calls.filter((c) => c.status !== 200);
    expect(errors.map((c) => `${c.procedure} ${c.status} ${c.text}`)).toEqual([]);
    for (const procedure of ["sessions.list", "sessions.byId", "bookings.create", "bookings.cancel", "bookings.mine"]) {
      expect(
        result.calls.some((c) => c.procedure === procedure),
        procedure,
      ).toBe(true);
    }

    expect(await bookingInvariants(rig.tdb.directUrl)).toEqual({
      overbooked: [],
      counterDrift: [],
      missedPromotion: [],
      doubleActive: [],
      activeInCancelled: [],
    });
    // Every booking an answer reported is in the database; a reported cancellation stays cancelled.
    const rows = await sql<{ id: string; status: string }>(
      rig.tdb.directUrl,
      "SELECT id::text, status::text FROM bookings WHERE id = ANY($1::uuid[])",
      [[...result.bookings.keys()]],
    );
    const status = new Map(rows.map((r) => [r.id, r.status]));
    for (const [id, booking] of result.bookings) {
      expect(status.has(id), id).toBe(true);
      if (booking.status === "cancelled") expect(status.get(id)).toBe("cancelled");
    }
    // The load really filled sessions (a run where nothing contended would prove little).
    const [full] = await sql<{ n: number }>(
      rig.tdb.directUrl,
      "SELECT count(*)::int AS n FROM sessions WHERE confirmed_count = capacity",
    );
    expect(full?.n).toBeGreaterThan(0);

    // Every answer is in: nothing left in flight, each instance drains, closes its database, exits 0.
    for (const report of await rig.stopInstances()) {
      expect(report).toEqual({ inFlightAtSignal: 0, drained: true, exitCode: 0 });
    }
  });
});
