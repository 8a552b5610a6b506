"use client";
import { type AppRouter, createClient, type S3ssionsClient } from "@s3ssions/client";
import { type QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { SupabaseClient } from "@supabase/supabase-js";
import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import type { PublicConfig } from "../config";
import { supabaseBrowserClient } from "../supabase/browser";
import { makeQueryClient } from "./query-client";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

let browserQueryClient: QueryClient | undefined;

/** A new QueryClient for each server render; one for the page's lifetime in the browser. */
function getQueryClient(): QueryClient {
  if (typeof window === "undefined") return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

const SupabaseContext = createContext<(() => SupabaseClient) | null>(null);

/** The page's Supabase client, made at first use in the browser (never while rendering on the server). */
export function useSupabase(): () => SupabaseClient {
  const supabase = useContext(SupabaseContext);
  if (!supabase) throw new Error("useSupabase: render inside <Providers>");
  return supabase;
}

/** A W3C trace context: version, trace id, parent id, flags. */
function traceparent(): string {
  const hex = (bytes: number) =>
    Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `00-${hex(16)}-${hex(8)}-01`;
}

/**
 * The SDK in the browser: the token comes from the Supabase session the cookies hold.
 * Server rendering calls nothing here: the server prefetched every query the page shows.
 */
function browserClient(config: PublicConfig, supabase: () => SupabaseClient): S3ssionsClient {
  return createClient({
    url: config.apiUrl,
    getAccessToken: async () => (await supabase().auth.getSession()).data.session?.access_token,
    // A trace id per HTTP request, as an OpenTelemetry or Sentry browser SDK adds it: in
    // `fetch`, since `headers` is resolved per call (and calls whose headers differ never share a request).
    fetch: (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set("traceparent", traceparent());
      return fetch(url, { ...init, headers });
    },
    timeoutMs: 15_000,
  });
}

export function Providers({ config, children }: { config: PublicConfig; children: ReactNode }) {
  const queryClient = getQueryClient();
  const [supabase] = useState(() => () => supabaseBrowserClient(config.supabaseUrl, config.supabaseAnonKey));
  const [client] = useState(() => browserClient(config, supabase));
  // A mark for tests and tools: the page is interactive from here on.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <SupabaseContext.Provider value={supabase}>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={client} queryClient={queryClient}>
          {children}
        </TRPCProvider>
      </QueryClientProvider>
    </SupabaseContext.Provider>
  );
}
