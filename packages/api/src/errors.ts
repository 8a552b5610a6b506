import { classifyDatabaseError } from "@s3ssions/db";
import { TRPCError } from "@trpc/server";

/** Maps an unexpected failure to the error a caller can act on, or undefined to keep it. */
export function toPublicError(error: unknown): TRPCError | undefined {
  const failure = classifyDatabaseError(error);
  if (failure?.availability === "unavailable") {
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "The database is unavailable, try again",
      cause: error,
    });
  }
  if (failure?.availability === "timeout") {
    return new TRPCError({ code: "GATEWAY_TIMEOUT", message: "The database did not answer in time", cause: error });
  }
  return undefined;
}
