export { CRON_TASKS_PATH, handleCronTasksRequest } from "./cron.js";
export { enqueueTasks, TASK_TYPES, type TaskEvent, type TaskType } from "./outbox.js";
export { createOverdueDrain, OVERDUE_DRAIN } from "./overdue-drain.js";
export { retryDelayMs, TASK_POLICY, type TaskRunOptions } from "./policy.js";
export {
  type DrainOptions,
  drainDueTasks,
  runTasksNow,
  type TaskRunCounts,
  type TaskRuntime,
} from "./run-tasks.js";
export { signStandardWebhook, type WebhookEvent } from "./webhook.js";
