import { bookingInvariants, sql, signHs256, unsignedToken } from "@s3ssions/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthKind,
  authKind,
  type Call,
  encodeCall,
  type FuzzRequest,
  hostileMeta,
  mutation,
  tweakText,
} from "./fuzz/requests.js";
import { checkResponse, type ResultData, type Sent } from "./fuzz/responses.js";
import { type RouterProcedure, routerProcedures } from "./fuzz/router-procedures.js";
import { arbitraryFor, type Hints } from "./fuzz/zod-arbitrary.js";
import { type DomainApi, JWT_SECRET, startDomainApi } from "./support.js";

// Property-based fuzzing of every procedure over HTTP against a real server process:
// inputs generated from each procedure's zod schema, mutated, encoded in hostile ways,
// sent with good, missing and bad credentials. Whatever arrives, the server answers
// without a 5xx, with a typed error that leaks nothing, and the booking invariants hold.
//
// Reproduce a failure with FUZZ_SEED=<seed> (printed on failure); FUZZ_RUNS sets the count.

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const USERS = 6;

let ctx: DomainApi;
const tokens: string[] = [];
const badTokens: Record<Extract<AuthKind, { kind: "token" }>["variant"], string> = {
  "wrong-secret": "",
  expired: "",
  "not-a-uuid-sub": "",
  "alg-none": "",
  "anon-role": "",
};
/** Ids and cursors seen in responses: mutated inputs point at real rows most of the time. */
const seen = { sessions: [] as string[], bookings: [] as string[], cursors: [] as string[], users: [] as string[] };
const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

beforeAll(async () => {
  // Limits on, but high: the fuzzer writes a lot; the limiter's statement still runs every time.
  ctx = await startDomainApi("fuzz", {
    RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "100000",
    RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "100000",
  });
  for (let i = 0; i < USERS; i++) {
    const user = await ctx.as();
    seen.users.push(user.userId);
    tokens.push(await signHs256(JWT_SECRET, { sub: user.userId }));
  }
  const now = Math.floor(Date.now() / 1000);
  badTokens["wrong-secret"] = await signHs256("another-secret-that-is-at-least-32-chars!!");
  badTokens.expired = await signHs256(JWT_SECRET, { exp: now - 3600, iat: now - 7200 });
  badTokens["not-a-uuid-sub"] = await signHs256(JWT_SECRET, { sub: "1; DROP TABLE sessions" });
  badTokens["alg-none"] = unsignedToken();
  badTokens["anon-role"] = await signHs256(JWT_SECRET, { role: "anon" });
});
afterAll(() => ctx?.close());

/** Picks from a pool filled while the run goes (the pool is read when a value is generated). */
const fromPool = (pool: string[], fallback: fc.Arbitrary<string>) =>
  fc.tuple(fc.nat(), fallback).map(([i, other]) => (pool.length > 0 && i % 5 !== 0 ? pool[i % pool.length]! : other));

const soon = (minHours: number, maxHours: number) =>
  fc.integer({ min: minHours * 60, max: maxHours * 60 }).map((minutes) => new Date(Date.now() + minutes * 60_000));

const hints: Hints = {
  timezone: fc.constantFrom("Europe/Berlin", "UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"),
  startsAt: soon(1, 48),
  endsAt: soon(49, 96),
  from: fc.oneof(soon(-48, 0), fc.constant(undefined)),
  to: fc.oneof(soon(100, 200), fc.constant(undefined)),
  capacity: fc.integer({ min: 1, max: 4 }),
  limit: fc.integer({ min: 1, max: 5 }),
  title: fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" }).filter((s) => s.trim().length > 0),
  onlineUrl: fc.webUrl({ validSchemes: ["https"] }),
  hostId: fromPool(seen.users, fc.uuid()),
  sessionId: fromPool(seen.sessions, fc.uuid()),
  "sessions.byId.id": fromPool(seen.sessions, fc.uuid()),
  "sessions.update.id": fromPool(seen.sessions, fc.uuid()),
  "sessions.cancel.id": fromPool(seen.sessions, fc.uuid()),
  "bookings.cancel.id": fromPool(seen.bookings, fc.uuid()),
  cursor: fromPool(seen.cursors, fc.string({ minLength: 1, maxLength: 60 })),
};

function callArbitrary(procedure: RouterProcedure): fc.Arbitrary<Call> {
  const valid = procedure.input
    ? arbitraryFor(procedure.input, { hints, procedure: procedure.path })
    : fc.constant(undefined);
  const keys = procedure.input?._zod.def.shape ? Object.keys(procedure.input._zod.def.shape).length : 4;
  return fc.record(
    {
      procedure: fc.constant(procedure.path),
      input: valid,
      mutation: mutation(keys),
      encoding: fc.constantFrom("superjson", "superjson", "superjson", "plain", "bare", "hostile-meta"),
      meta: hostileMeta,
    },
    { requiredKeys: ["procedure", "input", "mutation", "encoding"] },
  );
}

// Writes are drawn more often than reads: they are where state, and invariants, change.
// Subscriptions answer with a stream: their hostile inputs have a suite of their own (live/streams.test.ts).
const fuzzedProcedures = routerProcedures.filter((procedure) => procedure.type !== "subscription");

const anyCall = fc.oneof(
  ...fuzzedProcedures.map((procedure) => ({
    weight: procedure.type === "mutation" ? 3 : 1,
    arbitrary: callArbitrary(procedure),
  })),
);

const requestArbitrary: fc.Arbitrary<FuzzRequest> = fc.record({
  calls: fc.oneof(
    { weight: 4, arbitrary: anyCall.map((c) => [c]) },
    { weight: 1, arbitrary: fc.array(anyCall, { minLength: 1, maxLength: 3 }) },
  ),
  batch: fc.boolean(),
  wrongMethod: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  contentType: fc.oneof(
    { weight: 12, arbitrary: fc.constant("application/json") },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        null,
        "text/plain",
        "application/json; charset=utf-16",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
      ),
    },
  ),
  tweak: fc.oneof(
    { weight: 14, arbitrary: fc.constant("none" as const) },
    { weight: 1, arbitrary: fc.constantFrom("duplicate-key", "truncate", "trailing-garbage", "bom", "invalid-utf8") },
  ),
  auth: authKind(USERS),
});

function authorization(auth: AuthKind): string | undefined {
  switch (auth.kind) {
    case "user":
      return `Bearer ${tokens[auth.index]}`;
    case "none":
      return undefined;
    case "header":
      return auth.value.replace(/[^\x20-\x7e]/g, "?");
    case "token":
      return `Bearer ${badTokens[auth.variant]}`;
  }
}

async function send(request: FuzzRequest): Promise<Sent> {
  const calls = request.batch ? request.calls : request.calls.slice(0, 1);
  const type = routerProcedures.find((p) => p.path === calls[0]!.procedure)!.type;
  const useGet = (type === "query") !== request.wrongMethod;
  const encoded = calls.map(encodeCall);
  const payload = request.batch ? Object.fromEntries(encoded.map((value, i) => [String(i), value])) : encoded[0];
  const text = JSON.stringify(payload) ?? "";
  const path = calls.map((c) => c.procedure).join(",");
  const query = new URLSearchParams();
  if (request.batch) query.set("batch", "1");
  const headers: Record<string, string> = {};
  const auth = authorization(request.auth);
  if (auth !== undefined) headers.authorization = auth;
  let body: BodyInit | undefined;
  if (useGet) {
    const tweaked = tweakText(text, request.tweak === "invalid-utf8" ? "none" : request.tweak);
    if (text !== "" && payload !== undefined) query.set("input", tweaked as string);
  } else {
    if (request.contentType) headers["content-type"] = request.contentType;
    body = payload === undefined ? undefined : (tweakText(text, request.tweak) as BodyInit);
  }
  const url = `${ctx.api.baseUrl}/api/trpc/${path}${query.size ? `?${query}` : ""}`;
  const response = await fetch(url, { method: useGet ? "GET" : "POST", headers, body });
  return { status: response.status, text: await response.text(), url };
}

/** Every item of a response is clean (see checkResponse); results feed the pools. */
function check(request: FuzzRequest, sent: Sent): void {
  for (const outcome of checkResponse(sent)) {
    if ("code" in outcome) {
      count(outcome.code);
    } else {
      record(request, outcome.data);
      count("ok");
    }
  }
}

function record(request: FuzzRequest, data: ResultData | undefined): void {
  if (!data || typeof data !== "object") return;
  const procedure = request.calls[0]!.procedure;
  if (typeof data.nextCursor === "string") seen.cursors.push(data.nextCursor);
  if (procedure === "sessions.create" && data.id) {
    seen.sessions.push(data.id);
    count("created:session");
  }
  if (procedure === "bookings.create" && data.id) {
    seen.bookings.push(data.id);
    count(`created:booking:${data.status}`);
  }
}

describe("fuzzing every procedure over HTTP", () => {
  it("covers every procedure of the router", () => {
    expect(routerProcedures.filter((p) => p.type === "subscription").map((p) => p.path)).toEqual(["sessions.live"]);
    expect(fuzzedProcedures.map((p) => p.path).sort()).toEqual([
      "bookings.cancel",
      "bookings.create",
      "bookings.mine",
      "health.check",
      "health.db",
      "sessions.byId",
      "sessions.cancel",
      "sessions.create",
      "sessions.list",
      "sessions.update",
    ]);
  });

  it(`${RUNS} runs of up to 4 concurrent requests: no 5xx, typed errors only, invariants hold`, async () => {
    const started = performance.now();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(requestArbitrary, { minLength: 1, maxLength: 4 }), async (requests) => {
          const results = await Promise.all(requests.map(send));
          for (const [i, request] of requests.entries()) check(request, results[i]!);
        }),
        {
          seed: SEED,
          numRuns: RUNS,
          interruptAfterTimeLimit: 75_000,
          markInterruptAsFailure: false,
          includeErrorInReport: true,
        },
      );
    } catch (error) {
      throw new Error(`fuzz failed; reproduce with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}\n${(error as Error).message}`);
    }
    console.log(
      `fuzz: seed ${SEED}, ${RUNS} runs in ${Math.round(performance.now() - started)} ms`,
      Object.fromEntries([...tally].sort()),
    );
    // The generator reached the handlers, not just the validators.
    expect(tally.get("created:session") ?? 0).toBeGreaterThan(5);
    expect(tally.get("created:booking:confirmed") ?? 0).toBeGreaterThan(0);
    expect(tally.get("BAD_REQUEST") ?? 0).toBeGreaterThan(0);
    expect(tally.get("UNAUTHORIZED") ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it("after the run, every session's counters match its bookings and capacity holds", async () => {
    const url = ctx.tdb.directUrl;
    expect(await bookingInvariants(url)).toEqual({
      overbooked: [],
      counterDrift: [],
      missedPromotion: [],
      doubleActive: [],
      activeInCancelled: [],
    });
    const totals = await sql<{ sessions: number; bookings: number }>(
      url,
      "SELECT (SELECT count(*)::int FROM sessions) AS sessions, (SELECT count(*)::int FROM bookings) AS bookings",
    );
    console.log("fuzz: rows written", totals[0]);
    expect(totals[0]!.sessions).toBeGreaterThan(0);
  });
});
