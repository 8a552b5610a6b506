import type { Database } from "@s3ssions/db";
import type { Env } from "../env.js";
import { type Logger, redactSecrets } from "../logger.js";
import { TASK_TYPES } from "./outbox.js";
import {
  LEASE_MARGIN_MS,
  MIN_DELIVERY_MS,
  type ResolvedTaskRunOptions,
  resolveTaskRunOptions,
  retryDelayMs,
  TASK_POLICY,
  type TaskRunOptions,
} from "./policy.js";
import { type ClaimedTask, claimTasks, completeTask, failTask, releaseTask, retryTask } from "./store.js";
import { deliverWebhook, type WebhookTarget, webhookTarget } from "./webhook.js";

/** What running tasks needs from the API runtime (an `ApiRuntime` is one). */
export interface TaskRuntime {
  env: Env;
  db: Database;
  logger: Logger;
}

export interface TaskRunCounts {
  /** Tasks this run claimed. */
  claimed: number;
  /** Finished `done`: a 2xx from the receiver, or a no-op without WEBHOOK_URL. */
  delivered: number;
  /** Back to `pending` with backoff after a failed attempt. */
  retried: number;
  /** Given up for good: the attempt cap, or a task kind this code does not know. */
  failed: number;
  /** Claimed but not finished by this run: released for lack of time, or the lease was lost. */
  skipped: number;
}

type Outcome = Exclude<keyof TaskRunCounts, "claimed">;

export function emptyCounts(): TaskRunCounts {
  return { claimed: 0, delivered: 0, retried: 0, failed: 0, skipped: 0 };
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(TASK_TYPES);
const targets = new WeakMap<Env, WebhookTarget | null>();
const noWebhookLogged = new WeakSet<Logger>();

function targetOf(env: Env): WebhookTarget | undefined {
  let target = targets.get(env);
  if (target === undefined) {
    target = env.WEBHOOK_URL && env.WEBHOOK_SECRET ? webhookTarget(env.WEBHOOK_URL, env.WEBHOOK_SECRET) : null;
    targets.set(env, target);
  }
  return target ?? undefined;
}

function errorText(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error)).slice(0, 300);
}

/** Delivers one claimed task and records the result, under the claim's fencing token. */
async function runClaimed(
  runtime: TaskRuntime,
  task: ClaimedTask,
  options: ResolvedTaskRunOptions,
  /** performance.now() by which the delivery must have ended. */
  deadline: number,
): Promise<Outcome> {
  const { db, logger } = runtime;
  const base = { taskId: task.id, type: task.kind, attempt: task.attempts };
  const lost = (outcome: string): Outcome => {
    logger.log("warn", "task lease lost", { ...base, outcome });
    return "skipped";
  };

  if (!KNOWN_TYPES.has(task.kind)) {
    logger.log("error", "task delivery", { ...base, outcome: "failed", error: "unknown task kind", durationMs: 0 });
    return (await failTask(db, task, "unknown task kind")) ? "failed" : lost("failed");
  }
  if (task.attempts > options.maxAttempts) {
    // Only reachable when the last allowed attempt's runner died before finishing.
    const error = "attempts exhausted (lease expired)";
    logger.log("error", "task delivery", { ...base, outcome: "failed", error, durationMs: 0 });
    return (await failTask(db, task, error)) ? "failed" : lost("failed");
  }

  const target = targetOf(runtime.env);
  if (!target) {
    if (!noWebhookLogged.has(logger)) {
      noWebhookLogged.add(logger);
      logger.log("debug", "WEBHOOK_URL is not set: tasks complete without delivery");
    }
    return (await completeTask(db, task)) ? "delivered" : lost("delivered");
  }

  const timeLeft = deadline - performance.now();
  if (timeLeft < MIN_DELIVERY_MS) {
    logger.log("info", "task released", { ...base, reason: "no time left" });
    await releaseTask(db, task);
    return "skipped";
  }

  const started = performance.now();
  const result = await deliverWebhook(
    target,
    { id: task.id, type: task.kind, createdAt: task.createdAt, data: task.payload },
    task.attempts,
    Math.min(options.deliveryTimeoutMs, Math.floor(timeLeft)),
  );
  const durationMs = Math.round(performance.now() - started);

  if (result.ok) {
    logger.log("info", "task delivery", {
      ...base,
      outcome: "delivered",
      httpStatus: result.httpStatus,
      durationMs,
    });
    return (await completeTask(db, task)) ? "delivered" : lost("delivered");
  }
  if (task.attempts >= options.maxAttempts) {
    logger.log("error", "task delivery", {
      ...base,
      outcome: "failed",
      httpStatus: result.httpStatus,
      error: result.error,
      durationMs,
    });
    return (await failTask(db, task, result.error)) ? "failed" : lost("failed");
  }
  const retryInMs = retryDelayMs(task.attempts, options.random);
  logger.log("warn", "task delivery", {
    ...base,
    outcome: "retry",
    httpStatus: result.httpStatus,
    error: result.error,
    durationMs,
    retryInMs,
  });
  return (await retryTask(db, task, retryInMs, result.error)) ? "retried" : lost("retried");
}

/** Runs a claimed batch in parallel, so every delivery starts right after its claim. */
async function runBatch(
  runtime: TaskRuntime,
  tasks: ClaimedTask[],
  options: ResolvedTaskRunOptions,
  claimStarted: number,
  budgetDeadline: number,
  counts: TaskRunCounts,
): Promise<void> {
  // The lease was taken after `claimStarted` by the database's clock, so ending by
  // claimStarted + lease − margin keeps every delivery inside its lease, whatever the skew.
  const deadline = Math.min(claimStarted + options.leaseMs - LEASE_MARGIN_MS, budgetDeadline);
  counts.claimed += tasks.length;
  const outcomes = await Promise.all(
    tasks.map((task) =>
      runClaimed(runtime, task, options, deadline).catch((error: unknown) => {
        // The database failed while finishing: the lease expires and a later run retries.
        runtime.logger.log("error", "task finish failed", {
          taskId: task.id,
          type: task.kind,
          attempt: task.attempts,
          error: errorText(error),
        });
        return "skipped" as const;
      }),
    ),
  );
  for (const outcome of outcomes) counts[outcome] += 1;
}

/**
 * Runs the tasks a request just committed (pass it to `waitUntil`). Claims only those ids,
 * and only while they are still due, so a drain that got there first is never doubled.
 * Never rejects: whatever is left undone stays in the table for the cron drain.
 */
export async function runTasksNow(
  runtime: TaskRuntime,
  taskIds: readonly string[],
  runOptions: TaskRunOptions = {},
): Promise<TaskRunCounts> {
  const counts = emptyCounts();
  try {
    const options = resolveTaskRunOptions(runOptions);
    const ids = [...new Set(taskIds)];
    for (let i = 0; i < ids.length; i += options.batchSize) {
      const chunk = ids.slice(i, i + options.batchSize);
      const claimStarted = performance.now();
      const tasks = await claimTasks(runtime.db, { ids: chunk, limit: chunk.length, leaseMs: options.leaseMs });
      await runBatch(runtime, tasks, options, claimStarted, Number.POSITIVE_INFINITY, counts);
    }
  } catch (error) {
    runtime.logger.log("error", "running tasks failed", { error: errorText(error), ...counts });
  }
  return counts;
}

export interface DrainOptions extends TaskRunOptions {
  /** Most tasks claimed by this drain in total (default 1000). */
  limit?: number;
  /** Wall-clock budget of the whole drain, deliveries included (default 20 s). */
  budgetMs?: number;
}

/**
 * Claims and runs due tasks batch after batch until none is due, `limit` tasks were
 * claimed, or the budget is spent. Safe to run concurrently (several cron invocations,
 * function instances, request runners): each task is held by one claim at a time.
 */
export async function drainDueTasks(runtime: TaskRuntime, drainOptions: DrainOptions = {}): Promise<TaskRunCounts> {
  const { limit = TASK_POLICY.drainLimit, budgetMs = TASK_POLICY.drainBudgetMs, ...runOptions } = drainOptions;
  const options = resolveTaskRunOptions(runOptions);
  const started = performance.now();
  const budgetDeadline = started + budgetMs;
  const counts = emptyCounts();
  while (counts.claimed < limit && budgetDeadline - performance.now() >= MIN_DELIVERY_MS) {
    const claimStarted = performance.now();
    const tasks = await claimTasks(runtime.db, {
      limit: Math.min(options.batchSize, limit - counts.claimed),
      leaseMs: options.leaseMs,
    });
    if (tasks.length === 0) break;
    await runBatch(runtime, tasks, options, claimStarted, budgetDeadline, counts);
  }
  return counts;
}
