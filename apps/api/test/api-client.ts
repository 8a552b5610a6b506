import { createClient, getErrorCode, isS3ssionsError, type S3ssionsClient, TRPCClientError } from "@s3ssions/client";

/**
 * The SDK's client for tests, one request per call, optionally signed in. Built with the
 * published `createClient`, so every API test also exercises the SDK.
 */
export function apiClient(baseUrl: string, token?: string): S3ssionsClient {
  return createClient({
    url: baseUrl,
    batch: false,
    // Tests wait for slow paths on purpose (pool exhaustion, lock queues): the test's own timeout rules.
    timeoutMs: 0,
    // Each test asserts what one attempt answers (a 429 at once, not after its Retry-After);
    // the SDK's retries are its own tests' subject.
    retry: false,
    ...(token ? { getAccessToken: () => token } : {}),
  });
}
export type ApiClient = ReturnType<typeof apiClient>;

/** What a call was rejected with; throws if it succeeded. */
async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/** The error code a call failed with; throws if it succeeded or failed otherwise. */
export async function errorCodeOf(call: Promise<unknown>): Promise<string> {
  const error = await rejectionOf(call);
  const code = isS3ssionsError(error) ? getErrorCode(error) : null;
  if (code) return code;
  throw error;
}

/** The message of the API error a call failed with; throws if it succeeded or failed otherwise. */
export async function errorMessageOf(call: Promise<unknown>): Promise<string> {
  const error = await rejectionOf(call);
  if (error instanceof TRPCClientError) return error.message;
  throw error;
}

export { TRPCClientError };
