import { randomUUID } from "node:crypto";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainApi, sessionInput, startDomainApi } from "../support.js";
import { nested, type RawTrpc, rawTrpc, trpcCode } from "./support.js";

// Opaque cursors and ids: whatever a caller makes of them, a 400 (or a 404 for a well-formed
// id), never a 500 from the database.

let ctx: DomainApi;
let raw: RawTrpc;

beforeAll(async () => {
  ctx = await startDomainApi("hostile_cursors");
  raw = await rawTrpc(ctx.api.baseUrl);
});
afterAll(() => ctx?.close());

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
    // Year 0 is a JS Date and a 4-digit year, but Postgres has no year 0 (22008).
    b64(["0000-01-01T00:00:00.000Z", randomUUID()]),
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
        const result = await raw.get(path, JSON.stringify(superjson.serialize({ cursor })));
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
      expect(trpcCode(await raw.get("sessions.byId", JSON.stringify({ json: { id } })))).toBe("NOT_FOUND");
    }
    for (const id of ["-".repeat(36), "g".repeat(36), `${randomUUID()} `, "1; DROP TABLE sessions", ""]) {
      expect(trpcCode(await raw.get("sessions.byId", JSON.stringify({ json: { id } })))).toBe("BAD_REQUEST");
    }
  });
});
