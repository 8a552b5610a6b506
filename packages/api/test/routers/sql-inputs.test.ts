import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../../src/index.js";
import { type Caller, failure, hoursFromNow, type Procedures, sessionInput, startProcedures } from "./procedures.js";

// Every value that reaches SQL (cursors, instants, limits, counts, ids) is range-checked by
// its schema: out of range or malformed is a BAD_REQUEST before any statement runs, never
// a 500 from Postgres (22008 for year 0, 22003 for an int overflow, 22P02 for a bad uuid).
// Each row also sends the edges that must pass, so that a check cannot simply refuse all.
// A field added to an input without a row here fails the coverage test.

let p: Procedures;
let api: Caller;
let sessionId: string;
beforeAll(async () => {
  p = await startProcedures("sql_inputs");
  const host = await p.as();
  api = host.api;
  sessionId = (await api.sessions.create(sessionInput())).id;
});
afterAll(() => p?.close());

const cursorAt = (at: string, id = randomUUID()) => Buffer.from(JSON.stringify([at, id])).toString("base64url");
const NUMBERS_OUT = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, Number.MAX_SAFE_INTEGER + 2];
const INSTANTS_OUT = [
  new Date("0000-01-01T00:00:00.000Z"),
  new Date("1999-12-31T23:59:59.999Z"),
  new Date("2100-01-01T00:00:00.000Z"),
  new Date(Number.NaN),
  "0000-06-01T00:00:00Z",
  "+275760-09-13T00:00:00.000Z",
];
const IDS_OUT = ["x", `${randomUUID()} `, "-".repeat(36), "", "00000000-0000-0000-0000-00000000000g"];
const CURSORS_OUT = [
  cursorAt("0000-01-01T00:00:00.000Z"),
  cursorAt("0000-12-31T23:59:59.999Z"),
  cursorAt("2030-02-30T00:00:00.000Z"),
  "x".repeat(201),
];
const CURSORS_IN = [cursorAt("0001-01-01T00:00:00.000Z"), cursorAt("9999-12-31T23:59:59.999Z")];

interface Row {
  /** procedure.field */
  field: string;
  call: (value: unknown) => Promise<unknown>;
  out: unknown[];
  /** Edge values that must be accepted (an answer or a domain error, never BAD_REQUEST or a 500). */
  in: unknown[];
}

const ROWS: Row[] = [
  {
    field: "sessions.list.cursor",
    call: (cursor) => api.sessions.list({ cursor } as never),
    out: CURSORS_OUT,
    in: CURSORS_IN,
  },
  {
    field: "bookings.mine.cursor",
    call: (cursor) => api.bookings.mine({ cursor } as never),
    out: CURSORS_OUT,
    in: CURSORS_IN,
  },
  {
    field: "sessions.list.from",
    call: (from) => api.sessions.list({ from } as never),
    out: INSTANTS_OUT,
    in: [new Date("2000-01-01T00:00:00.000Z"), "2099-12-31T23:59:59.999+14:00"],
  },
  {
    field: "sessions.list.to",
    call: (to) => api.sessions.list({ from: new Date("2000-01-01T00:00:00.000Z"), to } as never),
    out: INSTANTS_OUT,
    in: [new Date("2099-12-31T23:59:59.999Z")],
  },
  {
    field: "sessions.list.limit",
    call: (limit) => api.sessions.list({ limit } as never),
    out: [...NUMBERS_OUT, 101],
    in: [1, 100],
  },
  {
    field: "bookings.mine.limit",
    call: (limit) => api.bookings.mine({ limit } as never),
    out: [...NUMBERS_OUT, 101],
    in: [1, 100],
  },
  {
    field: "sessions.list.hostId",
    call: (hostId) => api.sessions.list({ hostId } as never),
    out: IDS_OUT,
    in: [randomUUID()],
  },
  { field: "sessions.byId.id", call: (id) => api.sessions.byId({ id } as never), out: IDS_OUT, in: [randomUUID()] },
  {
    field: "sessions.update.id",
    call: (id) => api.sessions.update({ id, title: "t" } as never),
    out: IDS_OUT,
    in: [randomUUID()],
  },
  { field: "sessions.cancel.id", call: (id) => api.sessions.cancel({ id } as never), out: IDS_OUT, in: [randomUUID()] },
  {
    field: "bookings.create.sessionId",
    call: (id) => api.bookings.create({ sessionId: id } as never),
    out: IDS_OUT,
    in: [randomUUID()],
  },
  { field: "bookings.cancel.id", call: (id) => api.bookings.cancel({ id } as never), out: IDS_OUT, in: [randomUUID()] },
  {
    field: "sessions.create.capacity",
    call: (capacity) => api.sessions.create(sessionInput({ capacity }) as never),
    out: [...NUMBERS_OUT, 10_001],
    in: [1, 10_000],
  },
  {
    field: "sessions.update.capacity",
    call: (capacity) => api.sessions.update({ id: sessionId, capacity } as never),
    out: [...NUMBERS_OUT, 10_001],
    in: [10_000, 1],
  },
  {
    field: "sessions.create.startsAt",
    call: (startsAt) =>
      api.sessions.create(sessionInput({ startsAt, endsAt: new Date("2099-12-31T23:59:59.999Z") }) as never),
    out: INSTANTS_OUT,
    in: [hoursFromNow(1)],
  },
  {
    field: "sessions.create.endsAt",
    call: (endsAt) => api.sessions.create(sessionInput({ endsAt }) as never),
    out: INSTANTS_OUT,
    in: [new Date("2099-12-31T23:59:59.999Z")],
  },
  {
    field: "sessions.update.startsAt",
    call: (startsAt) => api.sessions.update({ id: sessionId, startsAt } as never),
    out: INSTANTS_OUT,
    in: [hoursFromNow(2)],
  },
  {
    field: "sessions.update.endsAt",
    call: (endsAt) => api.sessions.update({ id: sessionId, endsAt } as never),
    out: INSTANTS_OUT,
    in: [new Date("2099-12-31T23:59:59.999Z")],
  },
  {
    field: "sessions.live.ids",
    // "known" stands for the test's session, made once the database is up.
    call: (ids) =>
      firstLiveEvent({ ids: Array.isArray(ids) ? ids.map((id) => (id === "known" ? sessionId : id)) : ids }),
    out: [[], Array.from({ length: 101 }, () => randomUUID()), ["x"], [`${randomUUID()} `], "not-a-list"],
    // The known session answers first (its current state): unknown ones are simply absent.
    in: [["known"], ["known", ...Array.from({ length: 99 }, () => randomUUID())]],
  },
  {
    field: "sessions.live.lastEventId",
    call: (lastEventId) => firstLiveEvent({ ids: [sessionId], lastEventId }),
    // A feed position is a bigint: past 2^63 - 1 Postgres refuses it (22003).
    out: ["9223372036854775808", "9999999999999999999", "-1", "1; DROP", "", "1e3", 7],
    in: ["0", "9223372036854775807", "9223372036854775807+", "12+"],
  },
];

/** Opens `sessions.live`, reads its first event (the statements run then) and closes it. */
async function firstLiveEvent(input: unknown): Promise<unknown> {
  const stream = (await api.sessions.live(input as never)) as AsyncIterable<unknown>;
  const iterator = stream[Symbol.asyncIterator]();
  try {
    return await iterator.next();
  } finally {
    await iterator.return?.();
  }
}

/**
 * Fields that reach SQL as text, booleans or one of a few literals: their checks are
 * elsewhere (hostile strings in apps/api, enums here by zod) and have no range.
 */
const NOT_RANGES = new Set([
  "sessions.list.includeCancelled",
  "sessions.list.direction",
  "bookings.mine.direction",
  "bookings.mine.status",
  ...["create", "update"].flatMap((procedure) =>
    ["title", "description", "timezone", "location", "onlineUrl"].map((field) => `sessions.${procedure}.${field}`),
  ),
]);

/** The keys of a procedure's input object, through the default/pipe/optional wrappers zod puts around it. */
function inputKeys(schema: unknown): string[] {
  let def = (schema as { _zod: { def: Record<string, unknown> } } | undefined)?._zod.def;
  while (def && def.type !== "object") {
    const inner = (def.innerType ?? def.in) as { _zod: { def: Record<string, unknown> } } | undefined;
    def = inner?._zod.def;
  }
  return Object.keys((def?.shape as object | undefined) ?? {});
}

describe("values that reach SQL are range-checked at the schema", () => {
  it("every input field of every procedure has a row (or is named as no range)", () => {
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { inputs: unknown[] } }>;
    const fields = Object.entries(procedures).flatMap(([path, procedure]) =>
      procedure._def.inputs.flatMap((schema) => inputKeys(schema).map((key) => `${path}.${key}`)),
    );
    const covered = new Set([...ROWS.map((row) => row.field), ...NOT_RANGES]);
    expect(fields.filter((field) => !covered.has(field))).toEqual([]);
  });

  it.each(ROWS.flatMap((row) => row.out.map((value, i) => [row.field, i, value, row] as const)))(
    "%s: out-of-range value #%i is BAD_REQUEST",
    async (field, _i, value, row) => {
      const refused = await failure(row.call(value));
      expect(refused.data.code, `${field} ${String(value)}: ${refused.message}`).toBe("BAD_REQUEST");
      expect(refused.data.zodError, refused.message).not.toBeNull();
    },
  );

  it.each(ROWS.flatMap((row) => row.in.map((value, i) => [row.field, i, value, row] as const)))(
    "%s: edge value #%i passes the schema and Postgres",
    async (field, _i, value, row) => {
      const outcome = await row.call(value).then(
        () => "ok",
        async (error: unknown) => (await failure(Promise.reject(error))).data.code,
      );
      expect(["ok", "NOT_FOUND"], `${field} ${String(value)}`).toContain(outcome);
    },
  );
});
