import pg from "pg";

const TIMESTAMPTZ = pg.types.builtins.TIMESTAMPTZ;
/** pg's own parser (the `postgres-date` package): what anything off the fast path gets. */
const parseAnyTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, "text") as (text: string) => Date;

/** The number written by `count` ASCII digits at `start`, or -1 if any is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A `timestamptz` as Postgres writes it (DateStyle ISO): `2026-12-01 09:30:00.123456+00`,
 * the offset `±HH` or `±HH:MM`. Read without regular expressions, the same Date as pg's
 * parser gives (milliseconds truncated); years before 1000 or after 9999, BC dates,
 * offsets with seconds and `infinity` go to pg's parser. A page of 20 sessions carries 80
 * of them: pg's parser was 52 µs of a list request's CPU (`bench:profile list`).
 */
export function parseTimestamptz(text: string): Date {
  const length = text.length;
  if (length < 22 || text.charCodeAt(0) === 48) return parseAnyTimestamptz(text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (
    year < 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    second < 0 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return parseAnyTimestamptz(text);
  }
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    // Up to six fractional digits; the first three are the milliseconds, the rest truncated.
    let scale = 100;
    for (i += 1; i < length; i++) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      ms += digit * scale;
      scale /= 10;
    }
    ms = Math.trunc(ms);
  }
  const sign = text.charCodeAt(i);
  if (sign !== 43 && sign !== 45) return parseAnyTimestamptz(text);
  const offsetHours = digits(text, i + 1, 2);
  let offsetMinutes = 0;
  let end = i + 3;
  if (text.charCodeAt(end) === 58) {
    offsetMinutes = digits(text, end + 1, 2);
    end += 3;
  }
  if (end !== length || offsetHours < 0 || offsetMinutes < 0) return parseAnyTimestamptz(text);
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (sign === 43 ? 1 : -1);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs);
}

/**
 * The pool's type parsers: pg's own, with `parseTimestamptz` for `timestamptz`. Statements
 * on the pool (`Database.query`) read with them; Prisma's adapter brings its own parsers.
 */
export const POOL_TYPE_PARSERS = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMPTZ && format !== "binary") return parseTimestamptz;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;
