import { sql } from "@s3ssions/testing";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routerProcedures } from "../fuzz/router-procedures.js";
import { stringFields } from "../fuzz/zod-arbitrary.js";
import { type DomainApi, hoursFromNow, sessionInput, startDomainApi } from "../support.js";
import { createBodyWithTitle, type RawTrpc, rawTrpc, trpcCode } from "./support.js";

// NUL and lone surrogates, which Postgres refuses or mangles, in every string field of every
// procedure: a 400 naming the field, nothing written; a real surrogate pair is stored intact.

let ctx: DomainApi;
let raw: RawTrpc;

beforeAll(async () => {
  ctx = await startDomainApi("hostile_strings");
  raw = await rawTrpc(ctx.api.baseUrl);
});
afterAll(() => ctx?.close());

describe("NUL and lone surrogates never reach Postgres, in any string field of any procedure", () => {
  const HOSTILE = ["a\u0000b", "\u0000", "a\ud800b", "\udfff", "x\ud83d"];

  it("every string field, set to each of them in an otherwise valid input, is a 400 and writes nothing", async () => {
    const owner = await ctx.as();
    const session = await owner.api.sessions.create.mutate(sessionInput());
    const spare = await owner.api.sessions.create.mutate(sessionInput());
    const booking = await owner.api.bookings.create.mutate({ sessionId: session.id });
    const asOwner = await rawTrpc(ctx.api.baseUrl, owner.userId);
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
      "sessions.live": { ids: [session.id] },
    };
    const call = (path: string, type: string, input: unknown) => {
      const wire = JSON.stringify(superjson.serialize(input));
      // A subscription's input is checked before its stream opens: a GET, like a query's.
      return type === "mutation" ? asOwner.post(path, wire) : asOwner.get(path, wire);
    };
    const rowsNow = async () =>
      sql(
        ctx.tdb.directUrl,
        "SELECT (SELECT count(*)::int FROM sessions) AS s, (SELECT count(*)::int FROM bookings) AS b, (SELECT max(updated_at) FROM sessions) AS u",
      );
    const before = await rowsNow();

    const tested: string[] = [];
    for (const { path, type, input } of routerProcedures) {
      for (const field of stringFields(input)) {
        tested.push(`${path}.${field}`);
        expect(valid[path], `no valid input for ${path}`).toBeDefined();
        for (const value of HOSTILE) {
          const result = await call(path, type, { ...valid[path], [field]: value });
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
        "sessions.live.lastEventId",
      ]),
    );

    // The same inputs without the hostile value are served: the 400s above were the field's.
    // (A valid subscription opens its stream: live/streams.test.ts reads those.)
    for (const { path, type } of routerProcedures) {
      if (!valid[path] || type === "subscription") continue;
      const result = await call(path, type, valid[path]);
      expect(result.status, `${path}: ${result.text}`).toBe(200);
    }
  });

  it("text fields name the field; a real surrogate pair (emoji) is stored intact", async () => {
    const bad = await raw.post("sessions.create", createBodyWithTitle('"Yoga\\u0000"'));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("title");
    const ok = await raw.post("sessions.create", createBodyWithTitle('"Yoga \\ud83d\\ude00 \\\\u0000 😀"'));
    expect(ok.status).toBe(200);
    const rows = await sql<{ title: string }>(ctx.tdb.directUrl, "SELECT title FROM sessions WHERE id = $1", [
      ok.body.result?.data.json.id,
    ]);
    expect(rows[0]?.title).toBe("Yoga 😀 \\u0000 😀");
  });
});
