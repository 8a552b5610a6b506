import type { Operation } from "@trpc/client";
import type { Credentials } from "./credentials.js";

/** What the call link settled for a call, carried on its operation to the link that sends it. */
export interface CallState {
  credentials: Credentials;
  /** The call's `Idempotency-Key` (mutations only), the same on every attempt. */
  idempotencyKey: string | undefined;
}

// On the operation under a symbol, not in `context`: links copy operations with spread,
// which keeps it, and a logger that prints `context` never prints a token.
const CALL_STATE: unique symbol = Symbol("s3ssions.callState");

type WithState = Operation & { [CALL_STATE]?: CallState };

export function withCallState(op: Operation, state: CallState): Operation {
  return { ...op, [CALL_STATE]: state } as WithState;
}

export function callStateOf(op: Operation): CallState | undefined {
  return (op as WithState)[CALL_STATE];
}

/** A fresh key for one logical mutation (RFC 4122 v4), or none where the platform has no random source. */
export function newIdempotencyKey(): string | undefined {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (typeof crypto?.randomUUID === "function") return crypto.randomUUID();
  if (typeof crypto?.getRandomValues !== "function") return undefined;
  // randomUUID exists only in secure contexts: a page on plain http still has getRandomValues.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
