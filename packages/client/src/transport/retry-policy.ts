import { getErrorCode, type S3ssionsError } from "../errors.js";

/** `retry` of `createClient`: `false`, or how many attempts in all and how long to wait between them. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 3; 1 means no retry). */
  attempts?: number | undefined;
  /** The first wait's ceiling in ms; each further wait doubles it (default 250). */
  baseDelayMs?: number | undefined;
  /** No wait is longer (default 5000): a `Retry-After` beyond it ends the call with that answer. */
  maxDelayMs?: number | undefined;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 5_000 };

export function retryPolicyOf(option: boolean | RetryOptions | undefined): RetryPolicy {
  if (option === false) return { ...DEFAULT_RETRY, attempts: 1 };
  if (option === undefined || option === true) return DEFAULT_RETRY;
  const policy = { ...DEFAULT_RETRY };
  for (const name of ["attempts", "baseDelayMs", "maxDelayMs"] as const) {
    const value = option[name];
    if (value === undefined) continue;
    const min = name === "attempts" ? 1 : 0;
    if (!Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
      throw new RangeError(`createClient: retry.${name} must be an integer from ${min} to ${2 ** 31 - 1}`);
    }
    policy[name] = value;
  }
  return policy;
}

interface ResponseLike {
  headers?: { get?(name: string): string | null };
}

/** Seconds (or an HTTP date) in `Retry-After`, or the server's `retryAfterSeconds`, in ms. */
export function retryAfterMsOf(error: S3ssionsError, now = Date.now()): number | undefined {
  const fromData = (error.data as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  const response = (error.meta as { response?: ResponseLike } | undefined)?.response;
  const header = response?.headers?.get?.("retry-after")?.trim();
  if (header) {
    if (/^\d+$/.test(header)) return Number(header) * 1000;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  if (typeof fromData === "number" && fromData >= 0) return fromData * 1000;
  return undefined;
}

/**
 * The request never got an answer: `fetch` failed (refused, reset, DNS) or the body broke
 * off, both as `fetch`'s own `TypeError`. The SDK's own refusals are other errors.
 */
function isNetworkFailure(error: S3ssionsError): boolean {
  return !error.data && (error.cause as { name?: unknown } | undefined)?.name === "TypeError";
}

const RETRIED_CODES = new Set(["BAD_GATEWAY", "SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT"]);

/**
 * How long to wait before the next attempt, or `null` when this failure is final:
 * queries (and mutations the SDK keyed) on a network failure, 502, 503 and 504; a 429,
 * or a keyed mutation's 409 "still in flight", when the answer says when to come back.
 * Never any other 4xx. Full jitter on an exponential ceiling, or exactly `Retry-After`
 * when it is within `maxDelayMs`; a wait that would not end before the deadline is not begun.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failedAttempts: number,
  error: S3ssionsError,
  call: { retriable: boolean; remainingMs: number },
  random: () => number = Math.random,
): number | null {
  if (!call.retriable || failedAttempts >= policy.attempts) return null;
  const code = getErrorCode(error);
  const retryAfter = retryAfterMsOf(error);
  let delay: number;
  if (isNetworkFailure(error) || (code !== null && RETRIED_CODES.has(code))) {
    delay = retryAfter ?? Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1)));
  } else if ((code === "TOO_MANY_REQUESTS" || code === "CONFLICT") && retryAfter !== undefined) {
    delay = retryAfter;
  } else {
    return null;
  }
  // A longer wait the app should choose itself (it has `retryAfterSeconds`), not sit through unaware.
  if (retryAfter !== undefined && retryAfter > policy.maxDelayMs) return null;
  return delay < call.remainingMs ? delay : null;
}
