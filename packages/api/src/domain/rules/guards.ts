import { TRPCError } from "@trpc/server";
import type { AuthUser } from "../../auth/access-token.js";
import type { SessionRow } from "../schemas/dto.js";

export function sessionNotFound(): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: "Session not found" });
}

export function assertHost(session: Pick<SessionRow, "hostId">, userId: string): void {
  if (session.hostId !== userId) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Only the session's host may change it" });
  }
}

export function assertScheduled(session: Pick<SessionRow, "status">): void {
  if (session.status === "cancelled") {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: "The session is cancelled" });
  }
}

/**
 * Supabase's anonymous sign-ins (`is_anonymous`) are real tokens of nobody in particular:
 * they may read, and see their own bookings, but not host, nor book unless the
 * deployment allows it (ALLOW_ANONYMOUS_BOOKINGS).
 */
export function assertNotAnonymous(user: Pick<AuthUser, "isAnonymous">, action: "host sessions" | "book seats"): void {
  if (user.isAnonymous) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `Anonymous sign-ins cannot ${action}: sign in with an account`,
    });
  }
}
