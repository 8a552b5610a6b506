import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "@s3ssions/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../src/database.js";
import { sql } from "../src/sql.js";
import { parseTimestamptz } from "../src/timestamptz.js";

const pgParser = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, "text") as (text: string) => unknown;
/** A parse result as comparable text: a Date's instant (or "Invalid Date"), anything else as itself. */
const shown = (value: unknown) =>
  value instanceof Date ? (Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString()) : String(value);
const same = (text: string) => {
  expect(shown(parseTimestamptz(text)), text).toBe(shown(pgParser(text)));
};

const pad = (n: number, width: number) => String(n).padStart(width, "0");
/** Text as Postgres writes a timestamptz under DateStyle ISO, in any session time zone. */
const pgText = fc
  .record({
    year: fc.integer({ min: 1, max: 12000 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
    offsetSign: fc.constantFrom("+", "-"),
    offsetHours: fc.integer({ min: 0, max: 15 }),
    offsetMinutes: fc.constantFrom(undefined, 0, 30, 45),
    offsetSeconds: fc.constantFrom(undefined, undefined, undefined, 17),
    bc: fc.constantFrom(false, false, false, true),
  })
  .map((t) => {
    let text = `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)} ${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}`;
    if (t.fraction !== undefined) text += `.${t.fraction}`;
    text += `${t.offsetSign}${pad(t.offsetHours, 2)}`;
    if (t.offsetMinutes !== undefined || t.offsetSeconds !== undefined) text += `:${pad(t.offsetMinutes ?? 0, 2)}`;
    if (t.offsetSeconds !== undefined) text += `:${pad(t.offsetSeconds, 2)}`;
    return t.bc ? `${text} BC` : text;
  });

describe("parseTimestamptz: pg's Date, read faster", () => {
  it("gives pg's parser's Date for any text Postgres writes", () => {
    fc.assert(fc.property(pgText, same), { numRuns: 5000 });
  });

  it("gives pg's answer for what is off the fast path: infinity, odd text, broken digits", () => {
    for (const text of [
      "infinity",
      "-infinity",
      "0099-01-01 00:00:00+00",
      "2026-13-01 00:00:00+00",
      "2026-12-01 25:61:61+00",
      "2026-12-01T09:30:00+00",
      "2026-12-01 09:30:00",
      "2026-12-01 09:30:00.+00",
      "2026-12-0x 09:30:00+00",
      "2026-12-01 09:30:00+0x",
      "2026-12-01 09:30:00.1234567+00",
      "",
    ]) {
      same(text);
    }
  });
});

describe("the pool reads timestamptz with it, through the pooler", () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase("timestamptz");
    db = createDatabase({ url: tdb.pooledUrl() });
    await db.ready();
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it("gives what Prisma reads for the same values, in any session time zone", async () => {
    const values = ["2026-12-01 09:30:00.123456+00", "1999-12-31 23:59:59.999+05:30", "2026-03-29 02:30:00-11"];
    for (const zone of ["UTC", "Asia/Kolkata", "America/St_Johns"]) {
      for (const value of values) {
        const [viaPool] = await db.query<{ at: Date }>(
          sql`SELECT set_config('TimeZone', ${zone}, true) AS zone, ${value}::timestamptz AS at`,
        );
        const [viaPrisma] = await db.prisma.$queryRaw<{ at: Date }[]>`SELECT ${value}::timestamptz AS at`;
        expect(viaPool!.at).toBeInstanceOf(Date);
        expect(viaPool!.at.toISOString()).toBe(viaPrisma!.at.toISOString());
      }
    }
  });
});
