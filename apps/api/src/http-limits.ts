/** Limits of the function entry and the local server; the two the SDK must respect are the SDK's own. */
export { MAX_BATCH_SIZE, MAX_URL_LENGTH } from "@s3ssions/client/limits";
export const MAX_BODY_BYTES = 1024 * 1024;
