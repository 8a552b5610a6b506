/** Limits shared by the function entry and the local server. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Longest URL accepted; a GET batch longer than this must be split by the client. */
export const MAX_URL_LENGTH = 8192;
/** Most calls in one tRPC batch (the SDK's `maxItems`). */
export const MAX_BATCH_SIZE = 50;
