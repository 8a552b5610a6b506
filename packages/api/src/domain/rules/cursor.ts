import { TRPCError } from "@trpc/server";

/**
 * Opaque keyset cursors: the sort key and the id of the last row of a page. Stable under
 * inserts and deletes, unlike offsets.
 */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString("base64url");
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Only what `encodeCursor` writes decodes: a 4-digit-year instant that round-trips (an
 * expanded year such as -271821 is a valid JS Date but out of Postgres' range) and a
 * real uuid (a loose check let 36 dashes through to a uuid cast). Anything else is 400.
 */
export function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [at, id] = decoded as unknown[];
      if (typeof at === "string" && ISO_INSTANT.test(at) && typeof id === "string" && UUID.test(id)) {
        const date = new Date(at);
        if (!Number.isNaN(date.getTime()) && date.toISOString() === at) return { at: date, id };
      }
    }
  } catch {
    // fall through
  }
  throw new TRPCError({ code: "BAD_REQUEST", message: "Invalid cursor: pass nextCursor from a previous page" });
}
