export {
  type EnforceOptions,
  enforceRateLimit,
  RATE_LIMIT_WINDOW_SECONDS,
  RATE_LIMITED_ACTIONS,
  RateLimitExceededError,
  type RateLimitedAction,
  retryAfterSecondsOf,
} from "./rate-limit.js";
export { countAttempt, pruneRateLimits, RATE_LIMIT_PRUNE_AFTER_SECONDS, type WindowCount } from "./store.js";
