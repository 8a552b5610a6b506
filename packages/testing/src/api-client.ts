import type { AppRouter } from "@s3ssions/api";
import { TRPCClientError, createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";

/** A typed tRPC client for tests, one request per call, optionally signed in. */
export function apiClient(baseUrl: string, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/api/trpc`,
        transformer: superjson,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}
export type ApiClient = ReturnType<typeof apiClient>;

/** The tRPC error code a call failed with; throws if it succeeded or failed otherwise. */
export async function errorCodeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return error.data?.code;
    throw error;
  }
  throw new Error("expected the call to fail");
}

export { TRPCClientError };
