import { TimeoutError } from "../errors.js";

/** `setTimeout` treats anything above this as 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a call fails with when its caller aborted it (its `signal`). */
export class CallAbortedError extends Error {
  // The name every runtime gives an abort: `getErrorCode` reads it as CLIENT_CLOSED_REQUEST.
  override readonly name = "AbortError";
  constructor(reason: unknown) {
    super("The call was aborted", { cause: reason });
  }
}

/** Checks `timeoutMs` once, when the client is created: `0` or `Infinity` means none. */
export function checkTimeoutMs(timeoutMs: number): number {
  if (timeoutMs === 0 || timeoutMs === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (!(timeoutMs > 0) || timeoutMs > MAX_TIMER_MS) {
    throw new RangeError(`createClient: timeoutMs must be from 1 to ${MAX_TIMER_MS} (about 24.8 days), 0 or Infinity`);
  }
  return timeoutMs;
}

/**
 * One call from start to end: the token, every attempt, the waits between them and the
 * body. It ends when the caller aborts or the deadline passes, whichever comes first,
 * and whatever else shares the call's HTTP request.
 */
export class CallLife {
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #deadline: number;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #caller: AbortSignal | null | undefined;
  readonly #onCallerAbort = () => this.#end(new CallAbortedError(this.#caller?.reason));

  constructor(caller: AbortSignal | null | undefined, timeoutMs: number) {
    this.signal = this.#controller.signal;
    this.#caller = caller;
    this.#deadline = performance.now() + timeoutMs;
    if (caller?.aborted) this.#onCallerAbort();
    else caller?.addEventListener("abort", this.#onCallerAbort, { once: true });
    if (Number.isFinite(timeoutMs) && !this.signal.aborted) {
      this.#timer = setTimeout(() => this.#end(new TimeoutError(timeoutMs)), timeoutMs);
      // A call that outlives the code awaiting it must never keep Node running.
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /** Why the call ended early: a `TimeoutError` or a `CallAbortedError`; `undefined` while it runs. */
  get reason(): unknown {
    return this.signal.aborted ? this.signal.reason : undefined;
  }

  /** Milliseconds left before the deadline (`Infinity` without one). */
  remainingMs(): number {
    return Math.max(0, this.#deadline - performance.now());
  }

  /** `promise`, or a rejection with the life's reason as soon as it ends. */
  guard<T>(promise: Promise<T>): Promise<T> {
    if (this.signal.aborted) {
      promise.catch(() => {});
      return Promise.reject(this.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const onEnd = () => reject(this.reason);
      this.signal.addEventListener("abort", onEnd, { once: true });
      promise.then(
        (value) => {
          this.signal.removeEventListener("abort", onEnd);
          resolve(value);
        },
        (error: unknown) => {
          this.signal.removeEventListener("abort", onEnd);
          reject(error);
        },
      );
    });
  }

  /** Waits `ms`, or less when the life ends first (then rejects with its reason). */
  sleep(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return this.guard(waited).finally(() => clearTimeout(timer));
  }

  /** Ends the life early, as an abort: an unsubscribed call (a cancelled query) stops its request. */
  cancel(): void {
    this.#end(new CallAbortedError(undefined));
  }

  /** Releases the timer and the caller's signal once the call has settled. */
  settle(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener("abort", this.#onCallerAbort);
  }

  #end(reason: Error): void {
    if (this.signal.aborted) return;
    this.settle();
    this.#controller.abort(reason);
  }
}
