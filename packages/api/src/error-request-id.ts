/**
 * The request id of an error tRPC formats without a context: it refuses some requests
 * before `createContext` runs (a batch over the limit, a content type or method it does
 * not serve), and the error formatter then gets no `ctx`. The endpoint hands the id over
 * here from `onError`, which tRPC calls with the same error just before formatting it.
 * Explicit, per error: no AsyncLocalStorage (its promise hooks cost every promise, see
 * packages/db/src/query-timing.ts).
 */
const requestIds = new WeakMap<Error, string>();

export function attachRequestId(error: Error, requestId: string): void {
  requestIds.set(error, requestId);
}

export function requestIdOfError(error: Error): string | undefined {
  return requestIds.get(error);
}
