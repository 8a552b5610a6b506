import { randomUUID } from "node:crypto";
import {
  type ApiProcess,
  type FaultProxy,
  POOLER_PORT,
  type TestDatabase,
  createTestDatabase,
  ensurePgBouncer,
  seededFaultPlan,
  sessionInput,
  signHs256,
  spawnApi,
  sql,
  startFaultProxy,
} from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyedAnswer, mutate } from "../idempotency/keyed-http.js";
import { JWT_SECRET } from "../support.js";
import { counterDrift, doubleBookings, faultsOver, UNLIMITED_WRITES_ENV } from "./fault-mix.js";

// The link between the API and PgBouncer goes bad: the fault proxy sits there, and about
// one connection in five fails (its answer lost — at a COMMIT, too —, reset mid-answer,
// refused, blackholed, or slow). Clients retry each logical operation with its one
// Idempotency-Key, as the SDK does. What must hold: every operation ends resolved or with a
// typed error within a bound, each resolved create made exactly one session, the booking
// counters equal the bookings table, and nobody holds two active bookings in a session.

const INSTANCES = 2;
const CLIENTS = 6;
const OPS_PER_CLIENT = 12;
/** One logical operation's bound, retries included (an abandoned claim blocks its key ~8 s). */
const OP_DEADLINE_MS = 30_000;
const SEED = 20;


let tdb: TestDatabase;
let proxy: FaultProxy;
const instances: ApiProcess[] = [];

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("idem_pooler_faults");
  proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: POOLER_PORT }, closeIdlePgAfterMs: 3 });
  // Short timeouts: a blackholed connect or a dead statement ends in a second or two.
  const url = new URL(tdb.pooledUrl({ pgbouncer: true, connection_limit: 1, connect_timeout: 1, socket_timeout: 1 }));
  url.port = String(proxy.port);
  const env = { ...UNLIMITED_WRITES_ENV, SUPABASE_DB_URL_TRANSACTION: url.toString() };
  instances.push(...(await Promise.all(Array.from({ length: INSTANCES }, () => spawnApi({ env, timeoutMs: 60_000 })))));
});
afterAll(async () => {
  await Promise.all(instances.map((api) => api.stop()));
  await proxy?.close();
  await tdb?.drop();
});

type Outcome =
  | { kind: "resolved"; data: Record<string, unknown> }
  | { kind: "typed"; code: string }
  | { kind: "gave-up" };

interface Op {
  procedure: string;
  input: unknown;
  token: string;
  userId: string;
  outcome?: Outcome;
  attempts: number;
  replays: number;
  key?: string;
  /** Each attempt's HTTP status (0: no answer), for the log. */
  statuses?: number[];
  ms?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A retry is due for no answer, an outage (5xx), or an answer with Retry-After (a key in
 * flight, a rate limit); any other answer is final (a CONFLICT of the domain, replayed or not).
 */
function isFinal(answer: KeyedAnswer): boolean {
  return answer.status >= 200 && answer.status < 500 && answer.headers["retry-after"] === undefined;
}

/** One logical operation: one key, retried with backoff on any instance until final or its deadline. */
async function run(op: Op, key: string, start: number): Promise<Op> {
  const began = performance.now();
  const deadline = began + OP_DEADLINE_MS;
  op.statuses = [];
  op.key = key;
  for (let attempt = 0; performance.now() < deadline; attempt++) {
    op.attempts++;
    const api = instances[(start + attempt) % instances.length]!;
    const answer = await mutate(api.baseUrl, op.procedure, op.input, { token: op.token, key, timeoutMs: 10_000 });
    if (answer.headers["idempotent-replayed"] === "true") op.replays++;
    op.statuses.push(answer.status);
    op.ms = Math.round(performance.now() - began);
    if (isFinal(answer)) {
      op.outcome =
        answer.status === 200
          ? { kind: "resolved", data: answer.data! }
          : { kind: "typed", code: String(answer.error?.data.code) };
      return op;
    }
    const retryAfter = Number(answer.headers["retry-after"] ?? 0);
    await sleep(retryAfter > 0 ? retryAfter * 1000 : 50 + ((attempt * 37) % 150));
  }
  op.outcome = { kind: "gave-up" };
  return op;
}

describe("keyed retries over a faulty API↔PgBouncer link", () => {
  it("every operation ends within its bound, one effect each, counters and bookings agree", async () => {
    const host = { userId: randomUUID() };
    const hostToken = await signHs256(JWT_SECRET, { sub: host.userId });
    // Sessions to book into, made before the faults (a recycled connection can still cut a call: retried too).
    const sessionIds: string[] = [];
    for (const capacity of [2, 3, 5]) {
      const op: Op = {
        procedure: "sessions.create",
        input: sessionInput({ capacity }),
        token: hostToken,
        ...host,
        attempts: 0,
        replays: 0,
      };
      const { outcome } = await run(op, randomUUID(), 0);
      if (outcome?.kind !== "resolved") throw new Error(`setup sessions.create ended ${JSON.stringify(outcome)}`);
      sessionIds.push(String(outcome.data.id));
    }
    proxy.setPlan(seededFaultPlan({ seed: SEED, rate: 0.2, faults: faultsOver(12) }));
    const connectionsBefore = proxy.stats.connections;

    const ops: Op[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const users = [randomUUID(), randomUUID()];
        const tokens = await Promise.all(users.map((sub) => signHs256(JWT_SECRET, { sub })));
        const held: { id: string; userIndex: number }[] = [];
        for (let i = 0; i < OPS_PER_CLIENT; i++) {
          const u = (client + i) % users.length;
          const base = { token: tokens[u]!, userId: users[u]!, attempts: 0, replays: 0 };
          const pick = (client * 7 + i * 3) % 10;
          let op: Op;
          if (pick < 2) {
            op = { ...base, procedure: "sessions.create", input: sessionInput({ title: `op-${client}-${i}` }) };
          } else if (pick < 3 && held.length > 0) {
            const booking = held.shift()!;
            const owner = { token: tokens[booking.userIndex]!, userId: users[booking.userIndex]! };
            op = { ...base, ...owner, procedure: "bookings.cancel", input: { id: booking.id } };
          } else if (pick < 4) {
            const id = sessionIds[i % sessionIds.length]!;
            op = {
              ...base,
              token: hostToken,
              userId: host.userId,
              procedure: "sessions.update",
              input: { id, capacity: 3 + (i % 4) },
            };
          } else {
            op = {
              ...base,
              procedure: "bookings.create",
              input: { sessionId: sessionIds[(client + i) % sessionIds.length] },
            };
          }
          ops.push(await run(op, randomUUID(), client + i));
          // A pause between operations lets an instance's connection go idle and be recycled:
          // new connections, new draws of the fault plan.
          await sleep(40 + ((client * 13 + i * 29) % 40));
          if (op.procedure === "bookings.create" && op.outcome?.kind === "resolved") {
            const id = String(op.outcome.data.id);
            if (!held.some((b) => b.id === id)) held.push({ id, userIndex: u });
          }
        }
      }),
    );
    const elapsedMs = Math.round(performance.now() - started);

    const count = (kind: Outcome["kind"]) => ops.filter((op) => op.outcome?.kind === kind).length;
    const summary = {
      ops: ops.length,
      resolved: count("resolved"),
      typed: count("typed"),
      gaveUp: count("gave-up"),
      attempts: ops.reduce((n, op) => n + op.attempts, 0),
      replays: ops.reduce((n, op) => n + op.replays, 0),
      connections: proxy.stats.connections - connectionsBefore,
      recycled: proxy.stats.recycled,
      fired: proxy.stats.fired,
      elapsedMs,
    };
    console.log(`idempotent retries under pooler faults: ${JSON.stringify(summary)}`);
    const slowest = [...ops].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0)).slice(0, 5);
    console.log(`slowest: ${JSON.stringify(slowest.map((op) => ({ p: op.procedure, ms: op.ms, s: op.statuses })))}`);

    // The faults were real, and each operation still ended: resolved or a typed answer.
    const fired = Object.values(proxy.stats.fired).reduce((n, k) => n + k, 0);
    expect(fired).toBeGreaterThanOrEqual(5);
    expect(summary.attempts).toBeGreaterThan(ops.length);
    expect(ops.filter((op) => op.outcome?.kind === "gave-up").map((op) => op.procedure)).toEqual([]);
    for (const op of ops.filter((o) => o.outcome?.kind === "typed")) {
      // Typed refusals a retry cannot change (a full session's booking is a waitlisting, not an error).
      expect(["CONFLICT", "PRECONDITION_FAILED", "NOT_FOUND", "FORBIDDEN"]).toContain(
        op.outcome?.kind === "typed" ? op.outcome.code : "",
      );
    }

    proxy.setPlan(() => null);
    // Exactly one session per resolved create, and it is the one the answer named.
    for (const op of ops.filter((o) => o.procedure === "sessions.create")) {
      const title = (op.input as { title: string }).title;
      const rows = await sql<{ id: string }>(tdb.directUrl, "SELECT id::text FROM sessions WHERE title = $1", [title]);
      expect(
        rows.map((r) => r.id),
        title,
      ).toEqual(op.outcome?.kind === "resolved" ? [op.outcome.data.id] : []);
    }
    // Each resolved booking exists, as the user's one booking in its session unless cancelled since.
    for (const op of ops.filter((o) => o.procedure === "bookings.create" && o.outcome?.kind === "resolved")) {
      const data = (op.outcome as { data: Record<string, unknown> }).data;
      const rows = await sql(tdb.directUrl, "SELECT 1 FROM bookings WHERE id = $1 AND user_id = $2", [
        data.id,
        op.userId,
      ]);
      expect(rows.length).toBe(1);
    }
    expect(await counterDrift(tdb)).toEqual([]);
    expect(await doubleBookings(tdb)).toEqual([]);
    // Every resolved operation's key holds its success (written in the change's transaction).
    const succeeded = await sql<{ key: string }>(
      tdb.directUrl,
      "SELECT key FROM idempotency_keys WHERE status = 'succeeded'",
    );
    const kept = new Set(succeeded.map((row) => row.key));
    expect(ops.filter((op) => op.outcome?.kind === "resolved" && !kept.has(op.key!)).map((op) => op.procedure)).toEqual(
      [],
    );
  });
});
