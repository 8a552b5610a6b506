import { TRPCError } from "@trpc/server";

/** The request header naming one operation (IETF draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** Set on an answer that is a stored first outcome, not a new run. */
export const REPLAYED_HEADER = "idempotent-replayed";

/** 1–255 characters of visible ASCII: no spaces, no control characters. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The request's Idempotency-Key, taken as sent (a quoted key is another key than its
 * unquoted form); null without one. A malformed key is the caller's mistake: 400.
 */
export function idempotencyKeyOf(headers: Headers): string | null {
  const key = headers.get(IDEMPOTENCY_KEY_HEADER);
  if (key === null) return null;
  if (!KEY.test(key)) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: "Idempotency-Key must be 1 to 255 characters of visible ASCII, without spaces",
    });
  }
  return key;
}

/**
 * Why a keyed request is refused before any procedure runs, or null: a key names one
 * operation, so a batch of two or more calls cannot carry it (which call would it name?).
 */
export function keyedBatchProblem(headers: Headers, callCount: number): string | null {
  if (callCount < 2 || !headers.has(IDEMPOTENCY_KEY_HEADER)) return null;
  return "An Idempotency-Key names one operation: send keyed mutations unbatched";
}
