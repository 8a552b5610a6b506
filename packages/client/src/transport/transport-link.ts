import { type Operation, type TRPCLink, TRPCClientError } from "@trpc/client";
import { observable } from "./observable.js";
import type { AppRouter } from "../router.js";
import { callStateOf } from "./call-state.js";
import { ANONYMOUS } from "./credentials.js";
import { type Endpoint, failedRequest, type Outcome, readAnswer, type WireCall, wireRequest } from "./wire.js";

/** The `fetch` the SDK calls, in the form it calls it: `(url, init)`. The global `fetch` fits. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  endpoint: Endpoint;
  fetch: FetchLike;
  /** `false`: one request per call. */
  batch: false | { maxItems: number; maxURLLength: number };
}

interface Pending {
  call: WireCall;
  headers: Readonly<Record<string, string>>;
  fingerprint: string;
  idempotencyKey: string | undefined;
  signal: AbortSignal;
  settle(outcome: Outcome): void;
}

/** Aborted once every one of `signals` is: a shared request stops only when nobody waits for it. */
function allAborted(signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  let left = signals.length;
  const one = () => {
    if (--left === 0) controller.abort();
  };
  for (const signal of signals) {
    if (signal.aborted) one();
    else signal.addEventListener("abort", one, { once: true });
  }
  return controller.signal;
}

/**
 * The link that sends calls: those made in the same tick with the same credentials share
 * one request (within the server's limits); calls with different credentials never do.
 * A keyed mutation travels alone, its key in the `Idempotency-Key` header.
 */
export function transportLink(options: TransportOptions): TRPCLink<AppRouter> {
  const { endpoint, fetch, batch } = options;

  async function send(group: Pending[], batched: boolean): Promise<void> {
    const live = group.filter((pending) => !pending.signal.aborted);
    if (live.length === 0) return;
    const calls = live.map((pending) => pending.call);
    const request = wireRequest(endpoint, calls, batched);
    const first = live[0]!;
    const headers: Record<string, string> = {
      ...(request.method === "POST" ? { "content-type": "application/json" } : {}),
      ...first.headers,
      ...(first.idempotencyKey ? { "idempotency-key": first.idempotencyKey } : {}),
    };
    let response: Response | undefined;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: allAborted(live.map((pending) => pending.signal)),
      });
      const outcomes = await readAnswer(response, calls, batched);
      for (const [index, pending] of live.entries()) pending.settle(outcomes[index]!);
    } catch (cause) {
      const error = failedRequest(cause, response);
      for (const pending of live) pending.settle({ ok: false, error });
    }
  }

  /** Splits one tick's calls of one kind and one credential into requests the server takes. */
  function dispatch(group: Pending[], limits: { maxItems: number; maxURLLength: number }): void {
    let current: Pending[] = [];
    const fits = (candidate: Pending[]) =>
      candidate.length <= limits.maxItems &&
      (candidate[0]!.call.type !== "query" ||
        wireRequest(endpoint, candidate.map((pending) => pending.call), true).url.length <= limits.maxURLLength);
    for (const pending of group) {
      if (pending.signal.aborted) continue;
      if (fits([...current, pending])) {
        current.push(pending);
        continue;
      }
      if (current.length > 0) void send(current, true);
      current = [];
      if (fits([pending])) current.push(pending);
      else {
        const error = TRPCClientError.from(
          new RangeError(`Input is too big for a single request (the URL would exceed ${limits.maxURLLength} bytes)`),
        );
        pending.settle({ ok: false, error: error as never });
      }
    }
    if (current.length > 0) void send(current, true);
  }

  return () => {
    let queued: Map<string, Pending[]> | null = null;
    const flush = () => {
      const groups = queued!;
      queued = null;
      if (!batch) return;
      for (const group of groups.values()) dispatch(group, batch);
    };
    const enqueue = (pending: Pending) => {
      if (!batch || pending.idempotencyKey) {
        void send([pending], false);
        return;
      }
      if (!queued) {
        queued = new Map();
        setTimeout(flush);
      }
      const key = `${pending.call.type} ${pending.fingerprint}`;
      const group = queued.get(key);
      if (group) group.push(pending);
      else queued.set(key, [pending]);
    };

    return ({ op }: { op: Operation }) =>
      observable((observer) => {
        if (op.type === "subscription") {
          observer.error(TRPCClientError.from(new TypeError("subscriptions are sent by the subscription link")));
          return undefined;
        }
        const state = callStateOf(op);
        const credentials = state?.credentials ?? ANONYMOUS;
        const signal = op.signal ?? new AbortController().signal;
        if (signal.aborted) {
          observer.error(TRPCClientError.from(signal.reason as Error));
          return undefined;
        }
        enqueue({
          call: { type: op.type, path: op.path, input: op.input },
          headers: credentials.headers,
          fingerprint: credentials.fingerprint,
          idempotencyKey: op.type === "mutation" ? state?.idempotencyKey : undefined,
          signal,
          settle(outcome) {
            if (outcome.ok) {
              observer.next({ result: { type: "data", data: outcome.data }, context: { response: outcome.response } });
              observer.complete();
            } else observer.error(outcome.error as never);
          },
        });
        return undefined;
      });
  };
}
