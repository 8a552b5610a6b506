import * as z from "zod";
import { decodeCursor } from "../rules/cursor.js";

/**
 * Text Postgres can store: no NUL (Postgres rejects it with an error that would otherwise
 * surface as a 500) and no lone UTF-16 surrogate (not valid UTF-8).
 */
export function safeText(max: number, min = 0) {
  return z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((value) => !value.includes("\u0000"), "must not contain NUL characters")
    .refine((value) => value.isWellFormed(), "must be valid Unicode");
}

const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

/** A Date (superjson) or an ISO 8601 string with offset, within a sane range. */
export const dateInput = z
  .union([z.date(), z.iso.datetime({ offset: true }).transform((value) => new Date(value))])
  .refine((date) => !Number.isNaN(date.getTime()), "must be a valid date")
  .refine((date) => date.getTime() >= EARLIEST && date.getTime() < LATEST, "must be between 2000 and 2100");

export const uuid = z.uuid();

const IANA_ZONE_NAME = /^[A-Za-z_+\-/0-9]+$/;

/** The time zone database's own name for `zone` ("europe/berlin" → "Europe/Berlin"), or null when it names none. */
function canonicalZone(zone: string): string | null {
  if (!IANA_ZONE_NAME.test(zone)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * An IANA time zone, stored by its canonical name: lookups are case-insensitive here and
 * case-sensitive in many clients (Java's ZoneId, zoneinfo on Linux), so "europe/berlin"
 * is stored and returned as "Europe/Berlin". The name is the runtime's (ICU's): a link
 * may resolve to the zone it names (US/Pacific → America/Los_Angeles, Etc/UTC → UTC).
 */
export const timezone = z
  .string()
  .min(1)
  .max(64)
  .transform((value, ctx) => {
    const canonical = canonicalZone(value);
    if (canonical) return canonical;
    ctx.addIssue({ code: "custom", message: "must be an IANA time zone such as Europe/Berlin" });
    return z.NEVER;
  });

export const httpsUrl = z
  .url({ protocol: /^https$/, hostname: z.regexes.domain })
  .max(2048)
  .refine((value) => !value.includes("\u0000"), "must not contain NUL characters");

export const pageLimit = z.number().int().min(1).max(100).default(20);
export const INVALID_CURSOR = "Invalid cursor: pass nextCursor from a previous page";

/** A page cursor, decoded and range-checked here: the handler gets `{ at, id }` that Postgres accepts. */
export const cursor = z
  .string()
  .min(1)
  .max(200)
  .transform((value, ctx) => {
    const decoded = decodeCursor(value);
    if (decoded) return decoded;
    ctx.addIssue({ code: "custom", message: INVALID_CURSOR });
    return z.NEVER;
  });

/**
 * The paging keys of a paged procedure, in the shape tRPC's infinite queries send them
 * (`{ ...input, cursor, direction }`, `cursor: null` for the first page). Pages only go
 * forward: there is no previous-page cursor to go back with.
 */
export const pagingFields = {
  cursor: cursor.nullish(),
  direction: z.literal("forward", { error: "pages only go forward: pass nextCursor as cursor" }).optional(),
};
