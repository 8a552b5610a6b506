/**
 * CORS from the `CORS_ORIGINS` allowlist. An origin not on it gets no CORS headers, so
 * the browser keeps the response from the page; `*` allows any origin (credentials are
 * bearer tokens, never cookies, so no origin is ever reflected with credentials).
 */
const ALLOWED_HEADERS = "authorization, content-type, trpc-accept, x-request-id, x-trpc-source";
const EXPOSED_HEADERS = "x-request-id, server-timing";
const ALLOWED_METHODS = "GET, POST, HEAD, OPTIONS";

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

/** The answer to a preflight: 204 for an allowed origin, 403 otherwise. */
export function preflightResponse(policy: CorsPolicy, request: Request): Response {
  if (!policy.isAllowed(request.headers.get("origin"))) {
    return new Response(JSON.stringify({ error: { code: "FORBIDDEN", message: "Origin not allowed" } }), {
      status: 403,
      headers: { "content-type": "application/json; charset=utf-8" },
    });
  }
  return new Response(null, {
    status: 204,
    headers: {
      ...policy.headersFor(request),
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
    },
  });
}
