export { requestFingerprint } from "./fingerprint.js";
export { IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER, idempotencyKeyOf, keyedBatchProblem } from "./key-header.js";
export { KeyInFlightError, runKeyedMutation, successOutcome } from "./keyed-mutation.js";
export { type KeyClaim, pruneIdempotencyKeys, recordOutcome } from "./store.js";
