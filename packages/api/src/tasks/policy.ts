/**
 * How background tasks are run. One place for every number, so that the lease, the
 * delivery timeout and the function's maxDuration stay consistent.
 *
 * - Lease 60 s: a claimed task is `running` until `locked_until`; after that any runner may
 *   claim it again (its runner was frozen or killed). A delivery is always aborted well
 *   before its lease ends (see `LEASE_MARGIN_MS`), so two runners never deliver one task
 *   at the same time; a task is delivered at least once, not exactly once — receivers
 *   deduplicate on the idempotency key (the task id).
 * - Delivery timeout 10 s (AbortSignal.timeout), far below the lease.
 * - Retries: every failed attempt (non-2xx, 3xx included, timeout, network error) goes
 *   back to `pending` with exponential backoff and equal jitter: base = 10 s·2^(n-1)
 *   capped at 1 h, delay uniformly in [base/2, base]. After attempt 10 (≈ 1.4 h of
 *   retries in the worst case) the task is `failed` and stays in the table (requeue with
 *   `UPDATE tasks SET status='pending', attempts=0, run_after=now() WHERE …`).
 * - 4xx responses are retried like any other failure (as Stripe and Svix do): the usual
 *   cause is a receiver that is misconfigured or mid-deploy (401 after a secret rotation,
 *   404), which is fixed within the retry window; the cap bounds the cost otherwise.
 * - A drain (cron) stops claiming when its budget (20 s, under the 30 s maxDuration) is
 *   nearly spent, and no delivery outlives the budget.
 */
export const TASK_POLICY = {
  leaseMs: 60_000,
  deliveryTimeoutMs: 10_000,
  maxAttempts: 10,
  backoffBaseMs: 10_000,
  backoffCapMs: 60 * 60_000,
  /** Tasks claimed by one statement; a batch is delivered in parallel. */
  batchSize: 10,
  /** Most tasks one drain claims in total. */
  drainLimit: 1_000,
  drainBudgetMs: 20_000,
} as const;

/** A delivery ends (is aborted) at least this long before its lease does. */
export const LEASE_MARGIN_MS = 5_000;
/** No delivery is started with less time than this left; the task is released instead. */
export const MIN_DELIVERY_MS = 1_000;

export interface TaskRunOptions {
  leaseMs?: number;
  deliveryTimeoutMs?: number;
  maxAttempts?: number;
  batchSize?: number;
  /** For tests: the jitter source, in [0, 1). */
  random?: () => number;
}

export interface ResolvedTaskRunOptions {
  leaseMs: number;
  deliveryTimeoutMs: number;
  maxAttempts: number;
  batchSize: number;
  random: () => number;
}

export function resolveTaskRunOptions(options: TaskRunOptions = {}): ResolvedTaskRunOptions {
  const resolved = {
    leaseMs: options.leaseMs ?? TASK_POLICY.leaseMs,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? TASK_POLICY.deliveryTimeoutMs,
    maxAttempts: options.maxAttempts ?? TASK_POLICY.maxAttempts,
    batchSize: options.batchSize ?? TASK_POLICY.batchSize,
    random: options.random ?? Math.random,
  };
  if (resolved.leaseMs < resolved.deliveryTimeoutMs + LEASE_MARGIN_MS) {
    throw new RangeError("the task lease must exceed the delivery timeout by at least LEASE_MARGIN_MS");
  }
  if (!Number.isInteger(resolved.batchSize) || resolved.batchSize < 1) {
    throw new RangeError("batchSize must be a whole number ≥ 1");
  }
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new RangeError("maxAttempts must be a whole number ≥ 1");
  }
  return resolved;
}

/** Delay before the attempt after `attempt` (1-based): equal jitter on a capped exponential. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const base = Math.min(TASK_POLICY.backoffCapMs, TASK_POLICY.backoffBaseMs * 2 ** exponent);
  return Math.round(base / 2 + (base / 2) * Math.min(Math.max(random(), 0), 1));
}
