// tRPC's HTTP wire, as its batch and unbatched links speak it: the request a group of
// calls becomes, and the typed outcome of each call in the answer.
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../router.js";
import { HTTP_STATUS_BY_CODE, JSONRPC_CODE_BY_CODE, type S3ssionsError, type S3ssionsErrorCode, UnexpectedResponseError } from "../errors.js";
import { transformer } from "../transformer.js";

const TRPC_PATH = "/api/trpc";

/** The API's tRPC endpoint, and a query string every request carries (a Vercel protection bypass). */
export interface Endpoint {
  url: string;
  search: string;
}

export function endpointOf(url: string | URL): Endpoint {
  const text = String(url);
  const hash = text.indexOf("#");
  const withoutHash = hash === -1 ? text : text.slice(0, hash);
  const question = withoutHash.indexOf("?");
  const base = (question === -1 ? withoutHash : withoutHash.slice(0, question)).replace(/\/+$/, "");
  if (!base) throw new TypeError("createClient: `url` is required, e.g. https://api.example.com");
  const search = question === -1 ? "" : withoutHash.slice(question + 1);
  return { url: base.endsWith(TRPC_PATH) ? base : `${base}${TRPC_PATH}`, search };
}

export interface WireCall {
  type: "query" | "mutation";
  path: string;
  input: unknown;
}

export interface WireRequest {
  url: string;
  method: "GET" | "POST";
  body?: string;
}

export function wireRequest(endpoint: Endpoint, calls: readonly WireCall[], batched: boolean): WireRequest {
  const type = calls[0]!.type;
  const input = batched
    ? Object.fromEntries(calls.map((call, index) => [index, transformer.serialize(call.input)]))
    : transformer.serialize(calls[0]!.input);
  const query = endpoint.search ? [endpoint.search] : [];
  if (batched) query.push("batch=1");
  if (type === "query") query.push(`input=${encodeURIComponent(JSON.stringify(input))}`);
  const url = `${endpoint.url}/${calls.map((call) => call.path).join(",")}${query.length ? `?${query.join("&")}` : ""}`;
  return type === "query" ? { url, method: "GET" } : { url, method: "POST", body: JSON.stringify(input) };
}

export type Outcome = { ok: true; data: unknown; response: Response } | { ok: false; error: S3ssionsError };

const CODE_BY_STATUS = new Map<number, S3ssionsErrorCode>(
  (Object.entries(HTTP_STATUS_BY_CODE) as [S3ssionsErrorCode, number][]).reverse().map(([code, status]) => [status, code]),
);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An answer that is not tRPC's (a gateway's 429 or 502 page, the platform's JSON): an
 * error with the data the server would have sent, so `error.data.retryAfterSeconds` and
 * `getRequestId` work the same.
 */
function foreignAnswer(response: Response, path: string, cause: Error, responseJSON?: unknown): S3ssionsError {
  const meta = { response, responseJSON };
  // A platform's own JSON error names its code and request id: they win over the status.
  const said = isObject(responseJSON) && isObject(responseJSON.error) ? responseJSON.error : {};
  const code =
    typeof said.code === "string" && said.code in HTTP_STATUS_BY_CODE
      ? (said.code as S3ssionsErrorCode)
      : CODE_BY_STATUS.get(response.status);
  if (!code || response.status < 400) return TRPCClientError.from(cause, { meta }) as S3ssionsError;
  const header = response.headers.get("retry-after")?.trim();
  const retryAfterSeconds = header && /^\d+$/.test(header) ? Number(header) : null;
  const message =
    typeof said.message === "string" ? said.message : `The S3SSIONS API answered HTTP ${response.status} (${code})`;
  const data = {
    code,
    httpStatus: response.status,
    path,
    requestId: typeof said.requestId === "string" ? said.requestId : response.headers.get("x-request-id"),
    zodError: null,
    retryAfterSeconds,
  };
  return new TRPCClientError<AppRouter>(message, {
    cause,
    meta,
    result: { error: { message, code: JSONRPC_CODE_BY_CODE[code], data } } as never,
  }) as S3ssionsError;
}

/** One call's item of a tRPC answer, typed. */
function outcomeOf(item: unknown, response: Response, responseJSON: unknown, path: string): Outcome {
  const meta = { response, responseJSON };
  if (isObject(item) && isObject(item.result)) {
    try {
      return { ok: true, data: transformer.deserialize(item.result.data as never), response };
    } catch (cause) {
      return { ok: false, error: TRPCClientError.from(cause as Error, { meta }) as S3ssionsError };
    }
  }
  if (isObject(item) && "error" in item) {
    let shape: unknown;
    try {
      shape = transformer.deserialize(item.error as never);
    } catch {
      shape = undefined;
    }
    if (isObject(shape) && typeof shape.code === "number" && isObject(shape.data)) {
      return { ok: false, error: TRPCClientError.from({ ...item, error: shape } as never, { meta }) as S3ssionsError };
    }
  }
  const unexpected = new UnexpectedResponseError(response.status, response.headers.get("x-request-id"));
  return { ok: false, error: foreignAnswer(response, path, unexpected, responseJSON) };
}

/** Reads an answer to `calls`, one outcome per call, in order. */
export async function readAnswer(response: Response, calls: readonly WireCall[], batched: boolean): Promise<Outcome[]> {
  // Parsed here, in the SDK's realm: under Jest the global fetch is Node's, and its
  // `json()` builds objects of another realm, which superjson does not walk.
  const text = await response.text();
  const path = calls.map((call) => call.path).join(",");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const unexpected = new UnexpectedResponseError(response.status, response.headers.get("x-request-id"), { cause });
    const error = foreignAnswer(response, path, unexpected);
    return calls.map(() => ({ ok: false, error }));
  }
  if (batched && Array.isArray(json)) {
    return calls.map((call, index) => outcomeOf(json[index], response, json, call.path));
  }
  // One answer for every call: unbatched, or a batch the server refused as a whole.
  return calls.map((call) => outcomeOf(json, response, json, call.path));
}

/** A request that got no answer (connection refused, reset, body cut off) fails every call in it. */
export function failedRequest(cause: unknown, response?: Response): S3ssionsError {
  return TRPCClientError.from(cause as Error, response ? { meta: { response } } : {}) as S3ssionsError;
}
