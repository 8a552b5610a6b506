import { TRPCError } from "@trpc/server";
import type { ProtectedContext } from "../context.js";
import type { Env } from "../env.js";
import { countAttempt, pruneRateLimits, RATE_LIMIT_PRUNE_AFTER_SECONDS } from "./store.js";

/** The writes that are rate-limited per user, and the env variable holding each limit. */
export const RATE_LIMITED_ACTIONS = {
  "sessions.create": "RATE_LIMIT_SESSIONS_CREATE_PER_MIN",
  "bookings.create": "RATE_LIMIT_BOOKINGS_CREATE_PER_MIN",
  "sessions.update": "RATE_LIMIT_SESSIONS_UPDATE_PER_MIN",
  "bookings.cancel": "RATE_LIMIT_BOOKINGS_CANCEL_PER_MIN",
} as const satisfies Record<string, keyof Env>;
export type RateLimitedAction = keyof typeof RATE_LIMITED_ACTIONS;

/** Every limit is per user per minute. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;
/** A counted attempt starts a prune with this probability (cheap, bounded, after the response). */
const RATE_LIMIT_PRUNE_PROBABILITY = 0.01;

/** Why a TOO_MANY_REQUESTS was thrown: the `cause` of the TRPCError, for the `Retry-After` header. */
export class RateLimitExceededError extends Error {
  override name = "RateLimitExceededError";
  constructor(
    readonly action: RateLimitedAction,
    readonly limit: number,
    readonly windowSeconds: number,
    /** Whole seconds until the caller may try again. */
    readonly retryAfterSeconds: number,
  ) {
    super(`Too many ${action} requests: at most ${limit} per ${windowSeconds} s. Retry after ${retryAfterSeconds} s.`);
  }
}

/**
 * The seconds to wait before retrying, when `error` (a TRPCError or its cause) says so: a
 * rate limit, or a key still in flight (KeyInFlightError); else undefined.
 */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  const cause = error instanceof TRPCError ? error.cause : error;
  const seconds = (cause as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof seconds === "number" ? seconds : undefined;
}

function rateLimitOf(env: Env, action: RateLimitedAction): number {
  return env[RATE_LIMITED_ACTIONS[action]];
}

export interface EnforceOptions {
  /** Replaces Math.random for the prune draw (tests). */
  random?: () => number;
}

/**
 * Counts one `action` by the signed-in user and throws TOO_MANY_REQUESTS (HTTP 429) once
 * they are over the limit for the current window. The count lives in Postgres, so the
 * limit holds across every function instance. A limit of 0 disables it.
 */
export async function enforceRateLimit(
  ctx: Pick<ProtectedContext, "env" | "db" | "user" | "waitUntil" | "logger"> & {
    /** Where the prune runs: after the response, so not on the request's timed view (its statement is not the request's). */
    background: { db: ProtectedContext["db"] };
  },
  action: RateLimitedAction,
  options: EnforceOptions = {},
): Promise<void> {
  const limit = rateLimitOf(ctx.env, action);
  if (limit <= 0) return;
  const { hits, resetsInSeconds } = await countAttempt(ctx.db, ctx.user.id, action, RATE_LIMIT_WINDOW_SECONDS);
  if ((options.random ?? Math.random)() < RATE_LIMIT_PRUNE_PROBABILITY) {
    ctx.waitUntil(
      pruneRateLimits(ctx.background.db, { olderThanSeconds: RATE_LIMIT_PRUNE_AFTER_SECONDS }).catch((error: unknown) => {
        ctx.logger.log("warn", "rate limit prune failed", {
          error: error instanceof Error ? error.message.slice(0, 300) : String(error),
        });
      }),
    );
  }
  if (hits > limit) {
    const cause = new RateLimitExceededError(action, limit, RATE_LIMIT_WINDOW_SECONDS, resetsInSeconds);
    throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: cause.message, cause });
  }
}
