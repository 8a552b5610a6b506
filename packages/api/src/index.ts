import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root.js";

export { appRouter, type AppRouter } from "./root.js";
export type { PublicAppRouter } from "./public-router.js";
export type { BookingDto, SessionDto } from "./domain/schemas/dto.js";
export { createCallerFactory } from "./trpc.js";
export { attachRequestId } from "./error-request-id.js";
export { IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER, keyedBatchProblem, requestFingerprint } from "./idempotency/index.js";
export * from "./runtime.js";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
