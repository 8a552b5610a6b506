import { httpError } from "@s3ssions/api/runtime";

/**
 * CORS from the `CORS_ORIGINS` allowlist. An origin not on it gets no CORS headers, so
 * the browser keeps the response from the page; `*` allows any origin (credentials are
 * bearer tokens, never cookies, so no origin is ever reflected with credentials).
 *
 * Ours rather than a library's: the one fetch-native option (itty-router's `cors()`)
 * answers every preflight 204 whatever the origin, sets no `Vary`, and clones each
 * response; `cors`, `@fastify/cors` and `hono/cors` need their framework's req/res.
 */

/** What a preflight is allowed when it names no header (or names them unreadably). */
const DEFAULT_ALLOWED_HEADERS =
  "authorization, content-type, idempotency-key, trpc-accept, x-request-id, x-trpc-source, sentry-trace, baggage, traceparent, tracestate";
/** Response headers a page may read: the request id to quote, timings, when to retry, and whether an answer was a replay. */
const EXPOSED_HEADERS = "x-request-id, server-timing, retry-after, idempotent-replayed";
const ALLOWED_METHODS = "GET, POST, HEAD, OPTIONS";
/** A header name as RFC 9110 spells a token; a list longer than this is not a browser's. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const MAX_REQUESTED_HEADERS = 64;
const MAX_REQUESTED_LENGTH = 4096;

export interface CorsPolicy {
  /** Headers to add to a response to `request`; empty when the origin is not allowed. */
  headersFor(request: Request): Record<string, string>;
  isAllowed(origin: string | null): boolean;
}

export function createCorsPolicy(allowlist: readonly string[]): CorsPolicy {
  const any = allowlist.includes("*");
  const origins = new Set(allowlist);
  const isAllowed = (origin: string | null) => origin !== null && (any || origins.has(origin));
  return {
    isAllowed,
    headersFor(request) {
      const origin = request.headers.get("origin");
      if (!isAllowed(origin)) return {};
      return {
        "access-control-allow-origin": any ? "*" : (origin as string),
        "access-control-expose-headers": EXPOSED_HEADERS,
        ...(any ? {} : { vary: "Origin" }),
      };
    },
  };
}

/**
 * The headers an allowed page asked for, echoed as mature CORS middleware does: tracing
 * (`sentry-trace`, `baggage`, `traceparent`), and whatever the SDK's `headers` option
 * adds. Safe to allow: no cookie is ever read, so a header only ever reaches the API.
 */
function allowedHeaders(request: Request): string {
  const asked = request.headers.get("access-control-request-headers");
  if (!asked || asked.length > MAX_REQUESTED_LENGTH) return DEFAULT_ALLOWED_HEADERS;
  const names = asked
    .toLowerCase()
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0 || names.length > MAX_REQUESTED_HEADERS || !names.every((name) => HEADER_NAME.test(name))) {
    return DEFAULT_ALLOWED_HEADERS;
  }
  return names.join(", ");
}

/** The answer to a preflight: 204 for an allowed origin, 403 otherwise. */
export function preflightResponse(policy: CorsPolicy, request: Request, requestId: string): Response {
  if (!policy.isAllowed(request.headers.get("origin"))) {
    return httpError(403, "FORBIDDEN", "Origin not allowed", requestId);
  }
  return new Response(null, {
    status: 204,
    headers: {
      ...policy.headersFor(request),
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": allowedHeaders(request),
      "access-control-max-age": "600",
      // The answer depends on what was asked: a shared cache must not hand it to another origin or header list.
      vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    },
  });
}
