export {
  RATE_LIMITED_ACTIONS,
  RATE_LIMIT_WINDOW_SECONDS,
  RATE_LIMIT_PRUNE_AFTER_SECONDS,
  RateLimitExceededError,
  enforceRateLimit,
  retryAfterSecondsOf,
  type EnforceOptions,
  type RateLimitedAction,
} from "./rate-limit.js";
export { countAttempt, pruneRateLimits, type WindowCount } from "./store.js";
