// What a process around the API needs before any procedure runs: env, the runtime and the
// context, logging, health, the outbox's tasks, the HTTP error envelope. No router here:
// an entry that imports only this (`@s3ssions/api/runtime`) does not load tRPC, the
// procedures or their schemas, which the function then loads at its first tRPC request.
export { createApiRuntime, createContext, type ApiDependencies, type ApiRuntime, type Context } from "./context.js";
export { AuthError, AuthUnavailableError, type AuthUser, type AccessTokenVerifier } from "./auth/access-token.js";
export { parseEnv, EnvError, type Env, type AppEnv, type ParseEnvOptions } from "./env.js";
export { errorEnvelope, httpError, jsonResponse } from "./http-response.js";
export { flushLogs, jsonLogger, logsWritten, redactSecrets, type Logger, type LogLevel } from "./logger.js";
export * from "./health/health-report.js";
export {
  TASK_TYPES,
  type TaskType,
  enqueueTasks,
  runTasksNow,
  drainDueTasks,
  createOverdueDrain,
  OVERDUE_DRAIN,
  handleCronTasksRequest,
  CRON_TASKS_PATH,
  signStandardWebhook,
  TASK_POLICY,
  type TaskRunCounts,
  type TaskRuntime,
  type DrainOptions,
} from "./tasks/index.js";
