import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root.js";

export { appRouter, type AppRouter } from "./root.js";
export { createCallerFactory } from "./trpc.js";
export { createContext, type ApiDependencies, type Context } from "./context.js";
export { parseEnv, EnvError, type Env, type AppEnv } from "./env.js";
export { jsonLogger, redactSecrets, type Logger, type LogLevel } from "./logger.js";
export * from "./health/health-report.js";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
