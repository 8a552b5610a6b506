import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SUPERJSON_VALUES, superjsonMetaProblem } from "../src/json-guard.js";
import { errorMessageOf } from "./api-client.js";
import { type DomainApi, hoursFromNow, sessionInput, startDomainApi } from "./support.js";

// superjson marks one Date object used twice in an input as a referential equality.
// The JSON guard refuses referential equalities (a bomb pointing into a large Set blocks
// the event loop), but between dates they are harmless and a user's code makes them.

const metaOf = (input: unknown) => JSON.stringify(superjson.serialize(input));

describe("referential equalities between dates", () => {
  it("are accepted when every path they name is a Date", () => {
    const at = new Date();
    const text = metaOf({ from: at, to: at, nested: { "dotted.key": at }, list: [at, { at }] });
    expect(text).toContain("referentialEqualities");
    expect(superjsonMetaProblem(text, false)).toBeUndefined();
    expect(superjsonMetaProblem(JSON.stringify({ 0: JSON.parse(text) }), true)).toBeUndefined();
  });

  it("are refused between objects, into a Set, at the root, or past the budget", () => {
    const shared = { x: 1 };
    expect(superjsonMetaProblem(metaOf({ a: shared, b: shared }), false)).toMatch(/referentialEqualities/);
    const intoSet = { json: { s: [1], d: 0 }, meta: { values: { s: ["set"] }, referentialEqualities: { d: ["s.0"] } } };
    expect(superjsonMetaProblem(JSON.stringify(intoSet), false)).toMatch(/referentialEqualities/);
    const dates = { json: { a: "2030-01-01T00:00:00.000Z" }, meta: { values: { a: ["Date"] } } };
    const rooted = { ...dates, meta: { ...dates.meta, referentialEqualities: [["a"]] } };
    expect(superjsonMetaProblem(JSON.stringify(rooted), false)).toMatch(/referentialEqualities/);
    const many = Array.from({ length: MAX_SUPERJSON_VALUES + 1 }, () => "b");
    const b = {
      json: { a: "x", b: "x" },
      meta: { values: { a: ["Date"], b: ["Date"] }, referentialEqualities: { a: many } },
    };
    expect(superjsonMetaProblem(JSON.stringify(b), false)).toMatch(/referentialEqualities/);
    const nonString = { ...b, meta: { ...b.meta, referentialEqualities: { a: [{ b: 1 }] } } };
    expect(superjsonMetaProblem(JSON.stringify(nonString), false)).toMatch(/referentialEqualities/);
  });
});

describe("through the SDK", () => {
  let ctx: DomainApi;
  beforeAll(async () => {
    ctx = await startDomainApi("sj-dates");
  });
  afterAll(() => ctx?.close());

  it("one Date as both ends of a session gets the schema's message, not the guard's", async () => {
    const host = await ctx.as();
    const at = hoursFromNow(24);
    const message = await errorMessageOf(host.api.sessions.create.mutate(sessionInput({ startsAt: at, endsAt: at })));
    expect(message).toMatch(/endsAt must be after startsAt/);
  });

  it("one Date object in two inputs of a list answers the list", async () => {
    const at = hoursFromNow(1);
    const page = await ctx.anonymous.sessions.list.query({ from: at, to: new Date(at.getTime() + 1) });
    expect(page.items).toEqual([]);
    const both = { from: at, to: at };
    const message = await errorMessageOf(ctx.anonymous.sessions.list.query(both));
    expect(message).toMatch(/from must be before to/);
  });
});
