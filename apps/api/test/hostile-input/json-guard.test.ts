import { randomUUID } from "node:crypto";
import { sql, superjsonBomb } from "@s3ssions/testing";
import fc from "fast-check";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "../../src/json-guard.js";
import { type DomainApi, hoursFromNow, startDomainApi } from "../support.js";
import { createBodyWithTitle, expectEdgeRefusal, nested, type RawTrpc, rawTrpc, trpcCode } from "./support.js";

// The JSON guard at the edge: bodies and GET inputs nested too deep, superjson metadata that
// would loop or bomb the deserialiser, and text that is not UTF-8 are refused with a 400
// before tRPC or superjson parse them.

let ctx: DomainApi;
let raw: RawTrpc;

beforeAll(async () => {
  ctx = await startDomainApi("hostile_json");
  raw = await rawTrpc(ctx.api.baseUrl);
});
afterAll(() => ctx?.close());

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
    const deep = await raw.post("sessions.create", createBodyWithTitle(nested(MAX_JSON_DEPTH, '"x"')));
    expectEdgeRefusal(deep, 400, /nested deeper than 32 levels/);
    // The title sits 3 levels down ({json:{title:…}} inside the body).
    const atLimit = await raw.post("sessions.create", createBodyWithTitle(nested(MAX_JSON_DEPTH - 2, '"x"')));
    expect(atLimit.status).toBe(400);
    expect(trpcCode(atLimit)).toBe("BAD_REQUEST");
  });

  it("200 000 levels of nesting (400 KB) are refused and the server stays up", async () => {
    const result = await raw.post("sessions.create", nested(200_000, "1"));
    expectEdgeRefusal(result, 400, /nested deeper/);
    const superjsonMeta = `{"json":{"title":"x"},"meta":{"values":${nested(50_000, '"Date"')}}}`;
    expectEdgeRefusal(await raw.post("sessions.create", superjsonMeta), 400, /nested deeper/);
    expect((await fetch(`${ctx.api.baseUrl}/health`)).status).toBe(200);
  });

  it("a GET input nested too deep is 400; a normal one is served", async () => {
    const deep = await raw.get("sessions.list", `{"json":{"from":${nested(40, '"x"')}}}`);
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
    expectEdgeRefusal(await raw.post("bookings.create", JSON.stringify(looping)), 400, /Malformed superjson metadata/);
    const batch = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [String(i), looping]));
    const result = await raw.post(`${Array(50).fill("bookings.create").join(",")}?batch=1`, JSON.stringify(batch));
    expectEdgeRefusal(result, 400, /Malformed superjson metadata/);
    expectEdgeRefusal(
      await raw.get("sessions.byId", JSON.stringify({ ...looping, meta: { values: ["map", { a: "x" }] } })),
      400,
      /Malformed/,
    );
  });

  it("well-formed metadata, as the SDK writes it, passes", async () => {
    const body = superjson.serialize({ from: hoursFromNow(-1), to: hoursFromNow(1), limit: 3 });
    expect(body.meta).toBeDefined();
    const result = await raw.get("sessions.list", JSON.stringify(body));
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
    expectEdgeRefusal(await raw.post("bookings.create", JSON.stringify(bomb)), 400, /referentialEqualities/);
    const batch = { 0: superjson.serialize({ sessionId: randomUUID() }), 1: bomb };
    expectEdgeRefusal(
      await raw.post("bookings.create,bookings.create?batch=1", JSON.stringify(batch)),
      400,
      /referentialEqualities/,
    );
    const small = superjsonBomb({ id: randomUUID() }, { setSize: 10, paths: 10 });
    expectEdgeRefusal(await raw.get("sessions.byId", JSON.stringify(small)), 400, /referentialEqualities/);
    expect((await fetch(`${ctx.api.baseUrl}/health`)).status).toBe(200);
  });

  it("meta.values may only name Date and undefined, and only a few of them", async () => {
    const set = { json: { sessionId: randomUUID(), s: [1] }, meta: { values: { s: ["set"] } } };
    expectEdgeRefusal(await raw.post("bookings.create", JSON.stringify(set)), 400, /meta.values/);
    const bigint = { json: { sessionId: "1" }, meta: { values: { sessionId: ["bigint"] } } };
    expectEdgeRefusal(await raw.post("bookings.create", JSON.stringify(bigint)), 400, /meta.values/);
    const manyDates = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`d${i}`, ["Date"]]));
    expectEdgeRefusal(
      await raw.post(
        "bookings.create",
        JSON.stringify({ json: { sessionId: randomUUID() }, meta: { values: manyDates } }),
      ),
      400,
      /meta.values/,
    );
    // What the SDK writes for our inputs passes: Dates, and undefined for a field left out.
    const body = superjson.serialize({ from: hoursFromNow(-1), to: hoursFromNow(1), hostId: undefined, limit: 3 });
    expect(JSON.stringify(body.meta)).toContain("undefined");
    expect((await raw.get("sessions.list", JSON.stringify(body))).status).toBe(200);
  });
});

describe("invalid UTF-8", () => {
  it("a body that is not valid UTF-8 is 400 (it is not silently repaired into U+FFFD)", async () => {
    const encoder = new TextEncoder();
    const [before, after] = createBodyWithTitle('"TITLE"').split("TITLE") as [string, string];
    for (const invalid of [[0xff, 0xfe], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const body = new Uint8Array([...encoder.encode(before), ...invalid, ...encoder.encode(after)]);
      expectEdgeRefusal(await raw.post("sessions.create", body), 400, /not valid UTF-8/);
    }
    const rows = await sql(ctx.tdb.directUrl, "SELECT 1 FROM sessions WHERE host_id = $1", [raw.userId]);
    expect(rows).toEqual([]);
  });
});
