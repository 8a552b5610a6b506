import { TRPCError } from "@trpc/server";
import type { LockedSession } from "./session-lock.js";

export function sessionNotFound(): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: "Session not found" });
}

export function assertHost(session: Pick<LockedSession, "hostId">, userId: string): void {
  if (session.hostId !== userId) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Only the session's host may change it" });
  }
}

export function assertScheduled(session: Pick<LockedSession, "status">): void {
  if (session.status === "cancelled") {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: "The session is cancelled" });
  }
}
