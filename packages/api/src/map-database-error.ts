import { classifyDatabaseError } from "@s3ssions/db";
import { TRPCError } from "@trpc/server";

/** A database outage or timeout as the error a caller can act on (503 / 504); undefined for anything else. */
export function mapDatabaseError(error: unknown): TRPCError | undefined {
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
