/**
 * Work that must finish after its response (outbox deliveries). On Vercel the platform's
 * waitUntil keeps the instance alive; the local server keeps the promises so that a
 * graceful shutdown can wait for them.
 */
export function createBackgroundTracker() {
  const pending = new Set<Promise<unknown>>();
  return {
    waitUntil(promise: Promise<unknown>): void {
      const tracked = promise.catch(() => {});
      pending.add(tracked);
      void tracked.finally(() => pending.delete(tracked));
    },
    async drain(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    get size() {
      return pending.size;
    },
  };
}
