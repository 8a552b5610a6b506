/** The class behind `S3ssionsError`, for `instanceof`; prefer `isS3ssionsError`. */
export { TRPCClientError } from "@trpc/client";
export {
  type AccessTokenGetter,
  type BatchOptions,
  type CreateClientOptions,
  createClient,
  type DefaultLinks,
  type FetchLike,
  type HeadersOption,
  type HeadersValue,
  type HttpLinkOptions,
  type RetryOptions,
  type S3ssionsClient,
} from "./client.js";
export {
  ERROR_CODES,
  type FieldErrors,
  getErrorCode,
  getFieldErrors,
  getRequestId,
  isS3ssionsError,
  type S3ssionsError,
  type S3ssionsErrorCode,
  type S3ssionsErrorData,
  TimeoutError,
  UnexpectedResponseError,
} from "./errors.js";
export {
  defaultRetryDelayMs,
  type EventSourceClass,
  MissingEventSourceError,
  type SubscriptionOptions,
} from "./subscription-link.js";
export { type SerializedValue, type Transformer, transformer } from "./transformer.js";
export { DEFAULT_TIMEOUT_MS, MAX_BATCH_SIZE, MAX_URL_LENGTH } from "./limits.js";
export type {
  AppRouter,
  BookingDto,
  BookingPage,
  BookingStatus,
  DatabaseHealth,
  RouterInputs,
  RouterOutputs,
  ServiceHealth,
  SessionDto,
  SessionPage,
  SessionStatus,
} from "./router.js";
