import type { OperationLink } from "@trpc/client";
import type { AppRouter } from "../router.js";

// tRPC's links speak its `Observable`: `subscribe` and `pipe`. `@trpc/server/observable`
// has it, but the SDK's CommonJS build may require no ES module and no server entry.
type LinkObservable = ReturnType<OperationLink<AppRouter>>;

interface Subscriber<T, E> {
  next(value: T): void;
  error(error: E): void;
  complete(): void;
}

/** An observable whose `subscribe` runs `start` once per subscriber; after an error or completion nothing more is emitted. */
export function observable<T, E>(start: (observer: Subscriber<T, E>) => (() => void) | undefined) {
  const self = {
    subscribe(observer: Partial<Subscriber<T, E>>) {
      let closed = false;
      let teardown: (() => void) | undefined;
      const unsubscribe = () => {
        if (closed) return;
        closed = true;
        teardown?.();
      };
      teardown = start({
        next: (value) => {
          if (!closed) observer.next?.(value);
        },
        error: (error) => {
          if (closed) return;
          unsubscribe();
          observer.error?.(error);
        },
        complete: () => {
          if (closed) return;
          unsubscribe();
          observer.complete?.();
        },
      });
      if (closed) teardown?.();
      return { unsubscribe };
    },
    pipe(...operators: ((source: unknown) => unknown)[]) {
      return operators.reduce<unknown>((source, operator) => operator(source), self);
    },
  };
  return self as unknown as LinkObservable;
}

