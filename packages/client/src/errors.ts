import { TRPCClientError } from "@trpc/client";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import type { AppRouter } from "./router.js";

/**
 * tRPC's error codes and the HTTP status each stands for (tRPC's `JSONRPC2_TO_HTTP_CODE`).
 * The SDK ships no `@trpc/server` code, so the table is written here; its keys are checked
 * against tRPC's own code type by the compiler (`satisfies`: none missing, none extra),
 * and its statuses against tRPC's runtime table by `test/errors.test.ts`. Where two codes
 * share a status, the first listed is the one a bare status stands for.
 */
export const HTTP_STATUS_BY_CODE = {
  BAD_REQUEST: 400,
  PARSE_ERROR: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  TIMEOUT: 408,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_CONTENT: 422,
  PRECONDITION_REQUIRED: 428,
  TOO_MANY_REQUESTS: 429,
  CLIENT_CLOSED_REQUEST: 499,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
} as const satisfies Record<TRPC_ERROR_CODE_KEY, number>;

/** The JSON-RPC number tRPC puts in an error's `shape.code` for each code (tRPC's `TRPC_ERROR_CODES_BY_KEY`). */
export const JSONRPC_CODE_BY_CODE = {
  PARSE_ERROR: -32700,
  BAD_REQUEST: -32600,
  INTERNAL_SERVER_ERROR: -32603,
  NOT_IMPLEMENTED: -32603,
  BAD_GATEWAY: -32603,
  SERVICE_UNAVAILABLE: -32603,
  GATEWAY_TIMEOUT: -32603,
  UNAUTHORIZED: -32001,
  PAYMENT_REQUIRED: -32002,
  FORBIDDEN: -32003,
  NOT_FOUND: -32004,
  METHOD_NOT_SUPPORTED: -32005,
  TIMEOUT: -32008,
  CONFLICT: -32009,
  PRECONDITION_FAILED: -32012,
  PAYLOAD_TOO_LARGE: -32013,
  UNSUPPORTED_MEDIA_TYPE: -32015,
  UNPROCESSABLE_CONTENT: -32022,
  PRECONDITION_REQUIRED: -32028,
  TOO_MANY_REQUESTS: -32029,
  CLIENT_CLOSED_REQUEST: -32099,
} as const satisfies Record<TRPC_ERROR_CODE_KEY, number>;

/** An error code: `"UNAUTHORIZED"`, `"CONFLICT"`, `"NOT_FOUND"`, … (tRPC's codes). */
export type S3ssionsErrorCode = keyof typeof HTTP_STATUS_BY_CODE;

/** Every code an S3SSIONS error can carry, as the server names them. */
export const ERROR_CODES = Object.keys(HTTP_STATUS_BY_CODE) as readonly S3ssionsErrorCode[];

/** What the server says about an error: its code, HTTP status, procedure path, request id and field errors. */
export type S3ssionsErrorData = AppRouter["_def"]["_config"]["$types"]["errorShape"]["data"];

/** Field-by-field validation messages of a `BAD_REQUEST`, keyed by input field. */
export type FieldErrors = Partial<Record<string, string[]>>;

/**
 * What every call of the client rejects with. `data` is set when the server answered
 * with an error, and `undefined` when the request failed on the way (network, timeout,
 * abort).
 */
export type S3ssionsError = TRPCClientError<AppRouter>;

/** The reason a call is aborted with when it outlives `timeoutMs`. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`The S3SSIONS API did not answer within ${timeoutMs} ms`);
  }
}

/** What a call fails with when the answer is not JSON: a platform's or a proxy's error page. */
export class UnexpectedResponseError extends Error {
  override readonly name = "UnexpectedResponseError";
  constructor(
    readonly status: number,
    readonly requestId: string | null,
    options?: { cause?: unknown },
  ) {
    super(`The S3SSIONS API answered HTTP ${status} with a body that is not JSON`, options);
  }
}

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

function isClientError(error: unknown): error is S3ssionsError {
  // `name` too: an app that loads both the ESM and the CJS build has two copies of the class.
  return error instanceof TRPCClientError || (error instanceof Error && error.name === "TRPCClientError");
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 8; ) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** The code a bare HTTP status stands for, for answers that are not tRPC's (a gateway, a proxy, the platform). */
const CODE_BY_STATUS: ReadonlyMap<number, S3ssionsErrorCode> = new Map(
  [...ERROR_CODES].reverse().map((code) => [HTTP_STATUS_BY_CODE[code], code]),
);

interface ResponseMeta {
  response?: { status?: unknown; headers?: { get?(name: string): string | null } };
  responseJSON?: unknown;
}

/** The answer behind an error that did not come in tRPC's shape: its status, and its JSON `error` if any. */
function rawAnswer(error: S3ssionsError): {
  status?: number;
  code?: unknown;
  requestId?: unknown;
  header?: string | null;
} {
  const unexpected = causes(error.cause).find(
    (cause): cause is UnexpectedResponseError => (cause as Error | null)?.name === "UnexpectedResponseError",
  );
  if (unexpected) return { status: unexpected.status, header: unexpected.requestId };
  const meta = (error.meta ?? {}) as ResponseMeta;
  const body = meta.responseJSON as { error?: { code?: unknown; requestId?: unknown } } | undefined;
  const status = meta.response?.status;
  return {
    ...(typeof status === "number" ? { status } : {}),
    code: body?.error?.code,
    requestId: body?.error?.requestId,
    header: meta.response?.headers?.get?.("x-request-id") ?? null,
  };
}

/**
 * The code of a failed call: the server's code when it answered with an error (for an
 * answer outside tRPC, such as a gateway's 429 or 504, the code its status stands for);
 * `"TIMEOUT"` when the call outlived `timeoutMs`; `"CLIENT_CLOSED_REQUEST"` when the
 * caller aborted it; `null` for anything else (network failure, an unexpected status, an
 * error that is not the SDK's).
 */
export function getErrorCode(error: unknown): S3ssionsErrorCode | null {
  if (!isClientError(error)) return null;
  const code = error.data?.code;
  if (typeof code === "string" && CODES.has(code)) return code;
  const raw = rawAnswer(error);
  if (typeof raw.code === "string" && CODES.has(raw.code)) return raw.code as S3ssionsErrorCode;
  const byStatus = raw.status === undefined ? undefined : CODE_BY_STATUS.get(raw.status);
  if (byStatus) return byStatus;
  for (const cause of causes(error.cause)) {
    const name = (cause as { name?: unknown }).name;
    if (name === "TimeoutError") return "TIMEOUT";
    if (name === "AbortError") return "CLIENT_CLOSED_REQUEST";
  }
  return null;
}

/**
 * Whether `error` came from an S3SSIONS call, optionally with a given code
 * (see `getErrorCode`):
 *
 * ```ts
 * if (isS3ssionsError(error, "UNAUTHORIZED")) signIn();
 * ```
 */
export function isS3ssionsError(error: unknown, code?: S3ssionsErrorCode): error is S3ssionsError {
  return isClientError(error) && (code === undefined || getErrorCode(error) === code);
}

/** The validation messages of a `BAD_REQUEST` by input field (`{}` when there are none). */
export function getFieldErrors(error: unknown): FieldErrors {
  if (!isClientError(error)) return {};
  return (error.data?.zodError?.fieldErrors as FieldErrors | undefined) ?? {};
}

/** The id the server logged the failed request under, to quote in a bug report; `null` when it never got there. */
export function getRequestId(error: unknown): string | null {
  if (!isClientError(error)) return null;
  if (error.data?.requestId) return error.data.requestId;
  const raw = rawAnswer(error);
  return typeof raw.requestId === "string" ? raw.requestId : (raw.header ?? null);
}
