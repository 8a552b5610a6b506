import "server-only";
import { type AppRouter, createClient } from "@s3ssions/client";
import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { cache, type ReactNode } from "react";
import { publicConfig } from "../config";
import { getAccessToken } from "../supabase/server";
import { makeQueryClient } from "./query-client";

/**
 * The SDK on the server: one client for the whole process. Its token getter reads the
 * cookies of the request it is called in, and the SDK resolves the token per call and never
 * puts calls with different credentials in one request, so concurrent requests of
 * different users cannot mix. Called while Next prerenders, `cookies()` throws Next's
 * dynamic-rendering signal; the SDK rethrows it as thrown, and Next renders the page per
 * request instead (no `force-dynamic` needed).
 */
export const s3ssions = createClient({ url: publicConfig().apiUrl, getAccessToken });

/** One QueryClient per request (React's `cache` is per request on the server). */
export const getQueryClient = cache(makeQueryClient);

/** `queryOptions` / `infiniteQueryOptions` for Server Components, on this request's QueryClient. */
export const trpc = createTRPCOptionsProxy<AppRouter>({ client: s3ssions, queryClient: getQueryClient });

/** Hands this request's prefetched queries, pending ones included, to the client components below. */
export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
