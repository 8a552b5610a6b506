import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import type { AppRouter } from "./root.js";

type ErrorShape = AppRouter["_def"]["_config"]["$types"]["errorShape"];

/**
 * An error answered outside a procedure (an edge refusal, an unknown route, the cron
 * route, the local server's own failures) in the very envelope tRPC answers a
 * procedure's error with: the same shape and `data` as our error formatter gives, wrapped
 * by the same transformer (superjson, as `trpc.ts` sets it). Every error of the API, wherever it is answered, reads alike
 * and names its request id; the SDK parses it as it parses any tRPC error.
 *
 * `status` is separate from `code` because a few refusals have a more precise status than
 * tRPC's table gives their code (414 and 431 are `BAD_REQUEST`).
 */
export function httpError(
  status: number,
  code: TRPC_ERROR_CODE_KEY,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse(errorEnvelope(status, code, message, requestId), status, headers);
}

/** The body `httpError` answers: tRPC's error envelope, superjson-wrapped. */
export function errorEnvelope(status: number, code: TRPC_ERROR_CODE_KEY, message: string, requestId: string) {
  const shape: ErrorShape = {
    message,
    code: TRPC_ERROR_CODES_BY_KEY[code],
    data: { code, httpStatus: status, path: undefined, requestId, zodError: null, retryAfterSeconds: null },
  };
  return { error: superjson.serialize(shape) };
}

/** A JSON answer of the API outside tRPC (health, the cron route, errors): never cached. */
export function jsonResponse(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}
