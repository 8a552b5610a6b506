import {
  type ApiProcess,
  type LoadCall,
  type LoadResult,
  bookingInvariants,
  callTrpc,
  runLoad,
  spawnApi,
  sql,
  trpcData,
} from "@s3ssions/testing";
import { expect } from "vitest";
import { INTERNALS, JWT_SECRET, sessionInput, userToken } from "./support.js";

/** How many API instances and load clients a fault test runs. */
const INSTANCES = 4;
const CLIENTS = 12;

/** API instances under load: one connection each through the pooler, limits off (they would answer 429). */
export async function startInstances(pooledUrl: string): Promise<ApiProcess[]> {
  const env = {
    SUPABASE_DB_URL_TRANSACTION: pooledUrl,
    SUPABASE_JWT_SECRET: JWT_SECRET,
    RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
    RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "0",
    // Small sessions fill on purpose: the waitlist's bound is not what a fault test is about.
    WAITLIST_MAX: "100000",
  };
  return Promise.all(Array.from({ length: INSTANCES }, () => spawnApi({ env, timeoutMs: 60_000 })));
}

/**
 * A load of bookings across `instances` with `fault` fired 2 s into it, and what every fault
 * must leave behind: failures only typed 503/504s, the same processes answering again,
 * successes on both sides of the fault, none of the app's server connections from before
 * (the fault was real), nothing answered 200 lost, capacity held. `directUrl` is read each
 * time: a restarted server may move.
 */
export async function expectLoadSurvivesFault(
  instances: ApiProcess[],
  options: { directUrl: () => string; fault: () => Promise<void> },
): Promise<void> {
  const sessionIds = await createSessions(instances[0]!.baseUrl, [3, 5, 8, 12]);
  const before = await appBackends(options.directUrl());
  expect(before.length).toBeGreaterThan(0);
  const pids = instances.map((api) => api.child.pid);

  const { result, faultAt, faultDoneAt } = await loadWithFault(instances, sessionIds, {
    clients: CLIENTS,
    durationMs: 7_000,
    faultAtMs: 2_000,
    fault: options.fault,
  });
  expect(deadInstances(instances)).toEqual([]);
  const failed = expectOnlyTypedUnavailability(result.calls);
  const faultMs = Math.round(faultDoneAt - faultAt);
  console.log(describeLoad(result, { faultAt: Math.round(faultAt), faultMs, failed: failed.length }));

  await expectRecovered(instances, sessionIds);
  expect(instances.map((api) => api.child.pid)).toEqual(pids);
  expect(result.calls.some((c) => c.status === 200 && c.at < faultAt)).toBe(true);
  expect(result.calls.some((c) => c.status === 200 && c.at > faultDoneAt + 500)).toBe(true);
  const after = await appBackends(options.directUrl());
  expect(after.filter((pid) => before.includes(pid))).toEqual([]);

  await expectNothingLost(options.directUrl(), result);
}

/** Sessions with small capacities, so that bookings fill them, waitlist and promote. */
async function createSessions(baseUrl: string, capacities: number[]): Promise<string[]> {
  const host = await userToken();
  const ids: string[] = [];
  for (const capacity of capacities) {
    const answer = await callTrpc(baseUrl, "mutation", "sessions.create", sessionInput({ capacity }), host.token);
    expect(answer.status, answer.text).toBe(200);
    ids.push(String(trpcData(answer)?.id));
  }
  return ids;
}

/** Backend pids serving the app on `database` right now (as the direct connection sees them). */
async function appBackends(directUrl: string): Promise<number[]> {
  const rows = await sql<{ pid: number }>(
    directUrl,
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 's3ssions_unified'",
  );
  return rows.map((r) => r.pid);
}

/** The last lines of every instance that is no longer running (it must not have died). */
function deadInstances(instances: ApiProcess[]): string[] {
  return instances
    .filter((api) => api.child.exitCode !== null || api.child.signalCode !== null)
    .map(
      (api) =>
        `${api.baseUrl} exited (${api.child.exitCode ?? api.child.signalCode}):\n${api.output
          .filter((line) => !line.includes('"msg":"request"'))
          .slice(-40)
          .join("\n")}`,
    );
}

/** Runs a bounded load and fires `fault` `faultAtMs` into it; returns when both are done. */
async function loadWithFault(
  instances: ApiProcess[],
  sessionIds: string[],
  options: { clients: number; durationMs: number; faultAtMs: number; fault: () => Promise<void> },
): Promise<{ result: LoadResult; faultAt: number; faultDoneAt: number }> {
  let faultAt = Number.NaN;
  let faultDoneAt = Number.NaN;
  const started = performance.now();
  const faultRun = new Promise((resolve) => setTimeout(resolve, options.faultAtMs)).then(async () => {
    faultAt = performance.now() - started;
    await options.fault();
    faultDoneAt = performance.now() - started;
  });
  const load = runLoad({
    instances: instances.map((api) => api.baseUrl),
    clients: options.clients,
    sessionIds,
    jwtSecret: JWT_SECRET,
    durationMs: options.durationMs,
    // The load outlives the fault by a few seconds even when the fault itself is slow, so
    // that "answers again after the fault" is observed rather than raced.
    extendWhile: () => Number.isNaN(faultDoneAt) || performance.now() - started < faultDoneAt + 3_000,
    requestTimeoutMs: 30_000,
  });
  const [result] = await Promise.all([load, faultRun]);
  return { result, faultAt, faultDoneAt };
}

/** Each instance answers again, without a restart: polls until 200, then books once more. */
async function expectRecovered(instances: ApiProcess[], sessionIds: string[], deadlineMs = 30_000) {
  const deadline = Date.now() + deadlineMs;
  for (const api of instances) {
    expect(api.child.exitCode, "the API process must not have exited").toBeNull();
    for (;;) {
      const answer = await callTrpc(api.baseUrl, "query", "sessions.list", { limit: 5 });
      if (answer.status === 200) break;
      if (Date.now() > deadline) throw new Error(`instance never recovered: ${answer.status} ${answer.text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // Once answering, everything answers: every instance books, reads, and reports healthy.
  for (const api of instances) {
    const user = await userToken();
    const booked = await callTrpc(api.baseUrl, "mutation", "bookings.create", { sessionId: sessionIds[0] }, user.token);
    expect(booked.status, booked.text).toBe(200);
    const mine = await callTrpc(api.baseUrl, "query", "bookings.mine", { limit: 5 }, user.token);
    expect(mine.status, mine.text).toBe(200);
    expect((await fetch(`${api.baseUrl}/health/db`)).status).toBe(200);
  }
}

/** Failures are typed 503/504s that show nothing inside; never a 500, never a dropped request. */
function expectOnlyTypedUnavailability(calls: LoadCall[]) {
  const failed = calls.filter((c) => c.status !== 200);
  const unexpected = failed.filter(
    (c) =>
      !((c.status === 503 && c.code === "SERVICE_UNAVAILABLE") || (c.status === 504 && c.code === "GATEWAY_TIMEOUT")),
  );
  // Grouped, so that a broken run reads as a few kinds of failure rather than thousands of lines.
  const kinds: Record<string, number> = {};
  for (const c of unexpected) {
    const key = `${c.procedure} ${c.status} ${(c.text ?? "").slice(0, 160)}`;
    kinds[key] = (kinds[key] ?? 0) + 1;
  }
  expect(kinds).toEqual({});
  for (const call of failed) expect(call.text ?? "").not.toMatch(INTERNALS);
  return failed;
}

/** Every booking an answer reported exists as reported (cancellations stay cancelled), and the invariants hold. */
async function expectNothingLost(directUrl: string, result: LoadResult) {
  const ids = [...result.bookings.keys()];
  const rows = await sql<{ id: string; status: string; session_id: string; user_id: string }>(
    directUrl,
    "SELECT id::text, status::text, session_id::text, user_id::text FROM bookings WHERE id = ANY($1::uuid[])",
    [ids],
  );
  const found = new Map(rows.map((r) => [r.id, r]));
  const missing = ids.filter((id) => !found.has(id));
  expect(missing, "bookings answered 200 but not in the database").toEqual([]);
  for (const [id, booking] of result.bookings) {
    const row = found.get(id)!;
    expect(row.session_id).toBe(booking.sessionId);
    expect(row.user_id).toBe(booking.userId);
    if (booking.status === "cancelled") expect(row.status).toBe("cancelled");
  }
  expect(await bookingInvariants(directUrl)).toEqual({
    overbooked: [],
    counterDrift: [],
    missedPromotion: [],
    doubleActive: [],
    activeInCancelled: [],
  });
}

function describeLoad(result: LoadResult, extra: Record<string, unknown> = {}): string {
  const byStatus: Record<string, number> = {};
  for (const call of result.calls) byStatus[call.status] = (byStatus[call.status] ?? 0) + 1;
  return JSON.stringify({ requests: result.calls.length, byStatus, bookings: result.bookings.size, ...extra });
}
