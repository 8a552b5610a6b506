import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root.js";

export { appRouter, type AppRouter } from "./root.js";
export type { PublicAppRouter } from "./public-router.js";
export type { BookingDto, SessionDto } from "./domain/schemas/dto.js";
export { createCallerFactory } from "./trpc.js";
export { attachRequestId } from "./error-request-id.js";
export { IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER, keyedBatchProblem, requestFingerprint } from "./idempotency/index.js";
export * from "./runtime.js";
// Not in runtime.ts: the limiter is tRPC middleware (TRPCError, @trpc/server's init), and
// whatever the runtime reaches is compiled at every cold start.
export {
  RATE_LIMITED_ACTIONS,
  RATE_LIMIT_WINDOW_SECONDS,
  RATE_LIMIT_PRUNE_AFTER_SECONDS,
  RateLimitExceededError,
  type RateLimitedAction,
  enforceRateLimit,
  pruneRateLimits,
  retryAfterSecondsOf,
} from "./rate-limit/index.js";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
