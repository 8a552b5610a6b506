import { toIsoString } from "../../iso-string.js";

/**
 * Opaque keyset cursors: the sort key and the id of the last row of a page. Stable under
 * inserts and deletes, unlike offsets.
 */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([toIsoString(at), id])).toString("base64url");
}

export interface Cursor {
  at: Date;
  id: string;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Only what `encodeCursor` writes decodes, else null: a 4-digit-year instant that
 * round-trips (an expanded year such as -271821 is a valid JS Date but out of Postgres'
 * range), in year 1 or later (JS has a year 0, Postgres has none: 22008), and a real uuid
 * (a loose check let 36 dashes through to a uuid cast).
 */
export function decodeCursor(cursor: string): Cursor | null {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [at, id] = decoded as unknown[];
      if (typeof at === "string" && ISO_INSTANT.test(at) && typeof id === "string" && UUID.test(id)) {
        const date = new Date(at);
        if (!Number.isNaN(date.getTime()) && date.toISOString() === at && date.getUTCFullYear() >= 1) {
          return { at: date, id };
        }
      }
    }
  } catch {
    // fall through
  }
  return null;
}
