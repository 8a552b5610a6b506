import { type AppRouter, createClient } from "@s3ssions/client";
import { QueryClient } from "@tanstack/react-query";
import { createTRPCContext } from "@trpc/tanstack-react-query";

const TOKEN_KEY = "s3ssions.accessToken";

/** `?api=` wins (handy for tests and previews), then the build's VITE_S3SSIONS_API_URL. */
function apiUrl(): string {
  return (
    new URLSearchParams(location.search).get("api") ?? import.meta.env.VITE_S3SSIONS_API_URL ?? "http://127.0.0.1:3000"
  );
}

/** The signed-in person's access token (pasted into the page; a real app asks Supabase Auth). */
export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** A W3C trace context per request, as an OpenTelemetry or Sentry browser SDK would add. */
function traceparent(): string {
  const hex = (bytes: number) =>
    Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `00-${hex(16)}-${hex(8)}-01`;
}

// One client for the page; the token is read for every call, so signing in or out
// needs no new client. The trace id is per HTTP request, so it goes on in `fetch`:
// `headers` is resolved per call, and calls whose headers differ never share a request.
export const client = createClient({
  url: apiUrl(),
  getAccessToken: token.get,
  fetch: (url, init) => {
    const headers = new Headers(init?.headers);
    headers.set("traceparent", traceparent());
    return fetch(url, { ...init, headers });
  },
  timeoutMs: 15_000,
});

export const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 30_000, retry: false } },
});

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();
