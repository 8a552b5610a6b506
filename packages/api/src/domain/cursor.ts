import { TRPCError } from "@trpc/server";

/**
 * Opaque keyset cursors: the sort key and the id of the last row of a page. Stable under
 * inserts and deletes, unlike offsets.
 */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString("base64url");
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    const date = new Date(String(at));
    if (typeof at === "string" && typeof id === "string" && !Number.isNaN(date.getTime()) && /^[0-9a-f-]{36}$/.test(id)) {
      return { at: date, id };
    }
  } catch {
    // fall through
  }
  throw new TRPCError({ code: "BAD_REQUEST", message: "Invalid cursor: pass nextCursor from a previous page" });
}
