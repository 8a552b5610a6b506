/**
 * Limits the SDK and the server agree on. This module has no imports, so the server can
 * read the same numbers (`@s3ssions/client/limits`) without loading the client.
 */

/** The most calls one batched HTTP request may carry: the server's tRPC `maxBatchSize`. */
export const MAX_BATCH_SIZE = 50;

/**
 * The longest URL, in bytes, of a batched GET (queries travel in the query string); the
 * server refuses longer ones. The client counts the whole URL, origin included, so it
 * stays under the server's cap, which counts less.
 */
export const MAX_URL_LENGTH = 8192;

/** A call that has not answered after this long fails with `TIMEOUT` (the function's `maxDuration` is 30 s). */
export const DEFAULT_TIMEOUT_MS = 30_000;
