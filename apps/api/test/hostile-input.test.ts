import { randomUUID } from "node:crypto";
import { appRouter, createApiRuntime, parseEnv } from "@s3ssions/api";
import { createDatabase, type Database } from "@s3ssions/db";
import { signHs256, sql, superjsonBomb } from "@s3ssions/testing";
import fc from "fast-check";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetchHandler } from "../src/fetch-handler.js";
import { MAX_BODY_BYTES } from "../src/http-limits.js";
import { exceedsJsonDepth, guardTrpcRequest, MAX_JSON_DEPTH } from "../src/json-guard.js";
import { stringFields, type ZodLike } from "./fuzz/zod-arbitrary.js";
import { type DomainApi, hoursFromNow, JWT_SECRET, sessionInput, startDomainApi } from "./support.js";

let ctx: DomainApi;
let token: string;
let userId: string;

beforeAll(async () => {
  ctx = await startDomainApi("hostile");
  userId = randomUUID();
  token = await signHs256(JWT_SECRET, { sub: userId });
});
afterAll(() => ctx?.close());

const nested = (depth: number, leaf: string) => `${"[".repeat(depth)}${leaf}${"]".repeat(depth)}`;

/** A superjson-encoded input as the SDK sends it, with `title` replaced by raw JSON text. */
function createBodyWithTitle(rawTitle: string): string {
  const body = JSON.stringify(superjson.serialize(sessionInput({ title: "TITLE" })));
  return body.replace('"TITLE"', rawTitle);
}

async function post(path: string, body: BodyInit, headers: Record<string, string> = {}) {
  const response = await fetch(`${ctx.api.baseUrl}/api/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Body };
}

async function get(path: string, input: string) {
  const response = await fetch(`${ctx.api.baseUrl}/api/trpc/${path}?input=${encodeURIComponent(input)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

/** A response body in tRPC's superjson-wrapped shapes (the edge's own refusals too). */
interface Body {
  error?: { json?: { message: string; data: { code: string } } };
  result?: { data: { json: { id: string; title: string } } };
}

/** The edge's own refusal (before tRPC runs), in tRPC's envelope: one error shape for the SDK. */
function expectEdgeRefusal(result: { status: number; body: Body }, status: number, message: RegExp) {
  expect(result.status).toBe(status);
  expect(result.body.error?.json?.data.code).toBe(status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST");
  expect(result.body.error?.json?.message).toMatch(message);
}

/** tRPC's own error (superjson-shaped). */
function trpcCode(result: { body: Body }): string | undefined {
  return result.body?.error?.json?.data?.code;
}

describe("exceedsJsonDepth", () => {
  it.each<[string, string, boolean]>([
    ["flat object", '{"a":[1,2,{"b":"c"}]}', false],
    ["depth at the limit", nested(MAX_JSON_DEPTH, "1"), false],
    ["depth over the limit", nested(MAX_JSON_DEPTH + 1, "1"), true],
    ["objects count like arrays", `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${"}".repeat(MAX_JSON_DEPTH + 1)}`, true],
    ["brackets inside strings do not nest", `{"a":"${"[".repeat(100)}"}`, false],
    ["an escaped quote keeps the string open", `{"a":"\\"${"{".repeat(100)}"}`, false],
    ["an escaped backslash closes it", `{"a":"\\\\"${",[".repeat(40)}`, true],
    ["closing brackets let depth fall again", `${nested(30, "1")},${nested(30, "1")}`, false],
  ])("%s", (_label, text, expected) => {
    expect(exceedsJsonDepth(text)).toBe(expected);
  });

  it("agrees with parsing then measuring, for any JSON value (property)", () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === "object"
        ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf))
        : 0;
    const text = fc.oneof(
      fc.string({ unit: "grapheme" }),
      fc.string({ unit: "binary" }),
      fc.constantFrom("\\", '"', "[", "{", "]", "}", '\\"', "\u0000"),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(text, tie("node"), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 6 }), (v, maxDepth) => {
        expect(exceedsJsonDepth(JSON.stringify(v), maxDepth)).toBe(depthOf(v) > maxDepth);
      }),
      { numRuns: 2000, seed: 20261129 },
    );
  });
});

describe("nesting depth: refused before tRPC and superjson parse it", () => {
  it(`a body nested deeper than ${MAX_JSON_DEPTH} is 400, at ${MAX_JSON_DEPTH} it reaches tRPC`, async () => {
    const deep = await post("sessions.create", createBodyWithTitle(nested(MAX_JSON_DEPTH, '"x"')));
    expectEdgeRefusal(deep, 400, /nested deeper than 32 levels/);
    // The title sits 3 levels down ({json:{title:…}} inside the body).
    const atLimit = await post("sessions.create", createBodyWithTitle(nested(MAX_JSON_DEPTH - 2, '"x"')));
    expect(atLimit.status).toBe(400);
    expect(trpcCode(atLimit)).toBe("BAD_REQUEST");
  });

  it("200 000 levels of nesting (400 KB) are refused and the server stays up", async () => {
    const result = await post("sessions.create", nested(200_000, "1"));
    expectEdgeRefusal(result, 400, /nested deeper/);
    const superjsonMeta = `{"json":{"title":"x"},"meta":{"values":${nested(50_000, '"Date"')}}}`;
    expectEdgeRefusal(await post("sessions.create", superjsonMeta), 400, /nested deeper/);
    expect((await fetch(`${ctx.api.baseUrl}/health`)).status).toBe(200);
  });

  it("a GET input nested too deep is 400; a normal one is served", async () => {
    const deep = await get("sessions.list", `{"json":{"from":${nested(40, '"x"')}}}`);
    expectEdgeRefusal(deep, 400, /input parameter is nested deeper/);
    const batch = await fetch(
      `${ctx.api.baseUrl}/api/trpc/sessions.list,health.check?batch=1&input=${encodeURIComponent(
        JSON.stringify({ 0: superjson.serialize({ from: hoursFromNow(-1), limit: 5 }) }),
      )}`,
    );
    expect(batch.status).toBe(200);
  });
});

describe("superjson metadata that sends the deserialiser round in circles", () => {
  // superjson 2.2.x recurses without end on a string where an annotation tree belongs:
  // a 60-byte input costs ~6 ms of CPU and ends in a stack overflow, fifty times a batch.
  const looping = { json: { id: randomUUID() }, meta: { values: { title: "Date" } } };

  it("is refused with 400 before superjson reads it, in a body, a batch and a GET input", async () => {
    expectEdgeRefusal(await post("bookings.create", JSON.stringify(looping)), 400, /Malformed superjson metadata/);
    const batch = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [String(i), looping]));
    const result = await post(`${Array(50).fill("bookings.create").join(",")}?batch=1`, JSON.stringify(batch));
    expectEdgeRefusal(result, 400, /Malformed superjson metadata/);
    expectEdgeRefusal(
      await get("sessions.byId", JSON.stringify({ ...looping, meta: { values: ["map", { a: "x" }] } })),
      400,
      /Malformed/,
    );
  });

  it("well-formed metadata, as the SDK writes it, passes", async () => {
    const body = superjson.serialize({ from: hoursFromNow(-1), to: hoursFromNow(1), limit: 3 });
    expect(body.meta).toBeDefined();
    const result = await get("sessions.list", JSON.stringify(body));
    expect(result.status).toBe(200);
    const batch = await fetch(
      `${ctx.api.baseUrl}/api/trpc/sessions.list,sessions.list?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: body, 1: body }))}`,
    );
    expect(batch.status).toBe(200);
  });
});

describe("superjson metadata the API never needs: referential equalities, types beyond Date and undefined", () => {
  // meta.referentialEqualities pointing many times into a large Set costs superjson's
  // deserialiser seconds of blocked event loop for a 54 KB body (pnpm bench:json-guard).
  const bomb = superjsonBomb({ sessionId: randomUUID() });

  it("the referentialEqualities bomb is refused with 400, in a body, a batch and a GET input", async () => {
    expectEdgeRefusal(await post("bookings.create", JSON.stringify(bomb)), 400, /referentialEqualities/);
    const batch = { 0: superjson.serialize({ sessionId: randomUUID() }), 1: bomb };
    expectEdgeRefusal(
      await post("bookings.create,bookings.create?batch=1", JSON.stringify(batch)),
      400,
      /referentialEqualities/,
    );
    const small = superjsonBomb({ id: randomUUID() }, { setSize: 10, paths: 10 });
    expectEdgeRefusal(await get("sessions.byId", JSON.stringify(small)), 400, /referentialEqualities/);
    expect((await fetch(`${ctx.api.baseUrl}/health`)).status).toBe(200);
  });

  it("meta.values may only name Date and undefined, and only a few of them", async () => {
    const set = { json: { sessionId: randomUUID(), s: [1] }, meta: { values: { s: ["set"] } } };
    expectEdgeRefusal(await post("bookings.create", JSON.stringify(set)), 400, /meta.values/);
    const bigint = { json: { sessionId: "1" }, meta: { values: { sessionId: ["bigint"] } } };
    expectEdgeRefusal(await post("bookings.create", JSON.stringify(bigint)), 400, /meta.values/);
    const manyDates = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`d${i}`, ["Date"]]));
    expectEdgeRefusal(
      await post("bookings.create", JSON.stringify({ json: { sessionId: randomUUID() }, meta: { values: manyDates } })),
      400,
      /meta.values/,
    );
    // What the SDK writes for our inputs passes: Dates, and undefined for a field left out.
    const body = superjson.serialize({ from: hoursFromNow(-1), to: hoursFromNow(1), hostId: undefined, limit: 3 });
    expect(JSON.stringify(body.meta)).toContain("undefined");
    expect((await get("sessions.list", JSON.stringify(body))).status).toBe(200);
  });
});

describe("invalid UTF-8", () => {
  it("a body that is not valid UTF-8 is 400 (it is not silently repaired into U+FFFD)", async () => {
    const encoder = new TextEncoder();
    const [before, after] = createBodyWithTitle('"TITLE"').split("TITLE") as [string, string];
    for (const invalid of [[0xff, 0xfe], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const body = new Uint8Array([...encoder.encode(before), ...invalid, ...encoder.encode(after)]);
      expectEdgeRefusal(await post("sessions.create", body), 400, /not valid UTF-8/);
    }
    const rows = await sql(ctx.tdb.directUrl, "SELECT 1 FROM sessions WHERE host_id = $1", [userId]);
    expect(rows).toEqual([]);
  });
});

describe("NUL and lone surrogates never reach Postgres, in any string field of any procedure", () => {
  const HOSTILE = ["a\u0000b", "\u0000", "a\ud800b", "\udfff", "x\ud83d"];
  const procedures = Object.entries(
    (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string; inputs: ZodLike[] } }> } })
      ._def.procedures,
  );

  it("every string field, set to each of them in an otherwise valid input, is a 400 and writes nothing", async () => {
    const owner = await ctx.as();
    const session = await owner.api.sessions.create.mutate(sessionInput());
    const spare = await owner.api.sessions.create.mutate(sessionInput());
    const booking = await owner.api.bookings.create.mutate({ sessionId: session.id });
    const ownerToken = await signHs256(JWT_SECRET, { sub: owner.userId });
    // Inputs the procedures accept as they are: the field under test is the only thing wrong.
    const valid: Record<string, Record<string, unknown>> = {
      "sessions.list": { from: hoursFromNow(-1), limit: 5 },
      "sessions.byId": { id: session.id },
      "sessions.create": sessionInput(),
      "sessions.update": { id: session.id, title: "Renamed" },
      "sessions.cancel": { id: spare.id },
      "bookings.create": { sessionId: session.id },
      "bookings.cancel": { id: booking.id },
      "bookings.mine": { limit: 5 },
    };
    const call = async (path: string, type: string, input: unknown) => {
      const wire = JSON.stringify(superjson.serialize(input));
      const url = `${ctx.api.baseUrl}/api/trpc/${path}`;
      const response =
        type === "query"
          ? await fetch(`${url}?input=${encodeURIComponent(wire)}`, {
              headers: { authorization: `Bearer ${ownerToken}` },
            })
          : await fetch(url, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${ownerToken}` },
              body: wire,
            });
      const text = await response.text();
      return { status: response.status, text, body: JSON.parse(text) as Body };
    };
    const rowsNow = async () =>
      sql(
        ctx.tdb.directUrl,
        "SELECT (SELECT count(*)::int FROM sessions) AS s, (SELECT count(*)::int FROM bookings) AS b, (SELECT max(updated_at) FROM sessions) AS u",
      );
    const before = await rowsNow();

    const tested: string[] = [];
    for (const [path, procedure] of procedures) {
      for (const field of stringFields(procedure._def.inputs[0])) {
        tested.push(`${path}.${field}`);
        expect(valid[path], `no valid input for ${path}`).toBeDefined();
        for (const value of HOSTILE) {
          const result = await call(path, procedure._def.type, { ...valid[path], [field]: value });
          expect(result.status, `${path}.${field} = ${JSON.stringify(value)}: ${result.text}`).toBe(400);
          expect(trpcCode(result)).toBe("BAD_REQUEST");
        }
      }
    }
    expect(await rowsNow()).toEqual(before);
    expect(tested).toEqual(
      expect.arrayContaining([
        "sessions.list.from",
        "sessions.list.cursor",
        "sessions.list.hostId",
        "sessions.byId.id",
        "sessions.create.title",
        "sessions.create.description",
        "sessions.create.timezone",
        "sessions.create.location",
        "sessions.create.onlineUrl",
        "sessions.create.startsAt",
        "sessions.update.title",
        "sessions.update.location",
        "sessions.cancel.id",
        "bookings.create.sessionId",
        "bookings.cancel.id",
        "bookings.mine.status",
        "bookings.mine.cursor",
      ]),
    );

    // The same inputs without the hostile value are served: the 400s above were the field's.
    for (const [path, procedure] of procedures) {
      if (!valid[path]) continue;
      const result = await call(path, procedure._def.type, valid[path]);
      expect(result.status, `${path}: ${result.text}`).toBe(200);
    }
  });

  it("text fields name the field; a real surrogate pair (emoji) is stored intact", async () => {
    const bad = await post("sessions.create", createBodyWithTitle('"Yoga\\u0000"'));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("title");
    const ok = await post("sessions.create", createBodyWithTitle('"Yoga \\ud83d\\ude00 \\\\u0000 😀"'));
    expect(ok.status).toBe(200);
    const rows = await sql<{ title: string }>(ctx.tdb.directUrl, "SELECT title FROM sessions WHERE id = $1", [
      ok.body.result?.data.json.id,
    ]);
    expect(rows[0]?.title).toBe("Yoga 😀 \\u0000 😀");
  });
});

describe("opaque cursors and ids: anything malformed is 400, never 500", () => {
  const b64 = (value: unknown) =>
    Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
  const badCursors = [
    "not-a-cursor",
    "!!!!",
    b64("not json"),
    b64(null),
    b64([]),
    b64({ at: "2030-01-01T00:00:00.000Z", id: randomUUID() }),
    b64(["2030-01-01T00:00:00.000Z"]),
    b64([12, randomUUID()]),
    b64(["garbage", randomUUID()]),
    // Valid for JS Date, out of range for Postgres timestamptz.
    b64(["-271821-04-20T00:00:00.000Z", randomUUID()]),
    b64(["+275760-09-13T00:00:00.000Z", randomUUID()]),
    // Shaped like a uuid to a loose check, not a uuid to Postgres.
    b64(["2030-01-01T00:00:00.000Z", "-".repeat(36)]),
    b64(["2030-01-01T00:00:00.000Z", "0123456789abcdef0123456789abcdef----"]),
    b64(["2030-01-01T00:00:00.000Z", randomUUID(), "extra"]),
    b64(nested(30, "1")),
  ];

  it.each(badCursors.map((cursor, i) => [i, cursor]))(
    "cursor #%i → 400 on sessions.list and bookings.mine",
    async (_i, cursor) => {
      for (const path of ["sessions.list", "bookings.mine"]) {
        const result = await get(path, JSON.stringify(superjson.serialize({ cursor })));
        expect(result.status, `${path} ${cursor}`).toBe(400);
        expect(trpcCode(result)).toBe("BAD_REQUEST");
        expect(result.text).not.toMatch(/prisma|postgres|timestamp|uuid.*syntax|\n\s+at /i);
      }
    },
  );

  it("a cursor from a real page still works", async () => {
    const user = await ctx.as();
    for (let i = 0; i < 3; i++) await user.api.sessions.create.mutate(sessionInput({ title: `C${i}` }));
    const page = await ctx.anonymous.sessions.list.query({ hostId: user.userId, limit: 2 });
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await ctx.anonymous.sessions.list.query({ hostId: user.userId, limit: 2, cursor: page.nextCursor! });
    expect(next.items.map((s) => s.title)).toEqual(["C2"]);
  });

  it("ids: nil and upper-case uuids are looked up (404), anything else is 400", async () => {
    for (const id of ["00000000-0000-0000-0000-000000000000", randomUUID().toUpperCase()]) {
      expect(trpcCode(await get("sessions.byId", JSON.stringify({ json: { id } })))).toBe("NOT_FOUND");
    }
    for (const id of ["-".repeat(36), "g".repeat(36), `${randomUUID()} `, "1; DROP TABLE sessions", ""]) {
      expect(trpcCode(await get("sessions.byId", JSON.stringify({ json: { id } })))).toBe("BAD_REQUEST");
    }
  });
});

describe("the web handler itself (the Vercel function path, no Node server in front)", () => {
  let db: Database;
  let handle: (request: Request) => Promise<Response>;

  beforeAll(() => {
    const env = parseEnv({
      APP_ENV: "test",
      SUPABASE_DB_URL_TRANSACTION: ctx.tdb.pooledUrl(),
      SUPABASE_JWT_SECRET: JWT_SECRET,
    });
    db = createDatabase({ url: env.SUPABASE_DB_URL_TRANSACTION });
    handle = createFetchHandler(createApiRuntime({ env, db, logger: { log: () => {} }, waitUntil: () => {} }));
  });
  afterAll(() => db?.close());

  /** A chunked body (no content-length) of `total` bytes; counts what the handler pulled. */
  function stream(total: number, chunk = 64 * 1024) {
    const state = { pulled: 0 };
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.pulled >= total) return controller.close();
        const size = Math.min(chunk, total - state.pulled);
        state.pulled += size;
        controller.enqueue(new Uint8Array(size).fill(0x20));
      },
    });
    return { body, state };
  }

  it("caps a chunked body while reading it: 413, and stops pulling", async () => {
    const { body, state } = stream(8 * MAX_BODY_BYTES);
    const request = new Request("http://localhost/api/trpc/sessions.create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    const response = await handle(request);
    expect(response.status).toBe(413);
    expect((await response.json()).error.json.data.code).toBe("PAYLOAD_TOO_LARGE");
    expect(state.pulled).toBeLessThanOrEqual(MAX_BODY_BYTES + 2 * 64 * 1024);
  });

  it("a chunked body within the cap reaches tRPC with the same text, split characters and all", async () => {
    const text = JSON.stringify(superjson.serialize(sessionInput({ title: "Crème brûlée 😀" })));
    const bytes = new TextEncoder().encode(text);
    const split = bytes.indexOf(0xc3) + 1; // inside the two bytes of "è"
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const request = new Request("http://localhost/api/trpc/sessions.create", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await signHs256(JWT_SECRET)}` },
      body,
      duplex: "half",
    } as RequestInit);
    const response = await handle(request);
    expect(response.status).toBe(200);
    expect((await response.json()).result.data.json.title).toBe("Crème brûlée 😀");
  });

  it("guardTrpcRequest leaves a clean GET alone and hands on a body as the same text", async () => {
    const getRequest = new Request("http://localhost/api/trpc/health.check");
    expect(await guardTrpcRequest(getRequest, { maxBodyBytes: 10 })).toEqual({ ok: true, request: getRequest });
    const result = await guardTrpcRequest(
      new Request("http://localhost/api/trpc/x", {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "9", "x-keep": "1" },
        body: '{"a":"é"}',
      }),
      { maxBodyBytes: 100 },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(await result.request.text()).toBe('{"a":"é"}');
    expect(result.request.headers.get("x-keep")).toBe("1");
    expect(result.request.headers.get("content-length")).toBeNull();
    expect(result.request.method).toBe("POST");
  });
});
