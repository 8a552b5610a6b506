import { type Operation, type OperationResultEnvelope, type TRPCLink, TRPCClientError } from "@trpc/client";
import { observable } from "./observable.js";
import type { S3ssionsError } from "../errors.js";
import type { AppRouter } from "../router.js";
import { CallLife } from "./call-life.js";
import { newIdempotencyKey, withCallState } from "./call-state.js";
import { type AccessTokenGetter, type HeadersOption, resolveCredentials, ThrownByApp } from "./credentials.js";
import { type RetryPolicy, retryDelayMs } from "./retry-policy.js";

export interface CallLinkOptions {
  getAccessToken: AccessTokenGetter | undefined;
  headers: HeadersOption | undefined;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Give every mutation an `Idempotency-Key` (and so make it safe to retry). */
  idempotencyKeys: boolean;
}

/** Errors the app's own getter threw, behind the `TRPCClientError` tRPC's client wraps them in. */
const thrownByApp = new WeakMap<object, unknown>();

/** The error a call should reject with: what the app's getter threw, as thrown, or the SDK's error. */
export function callerFacing(error: unknown): unknown {
  return error !== null && typeof error === "object" && thrownByApp.has(error) ? thrownByApp.get(error) : error;
}

function clientError(reason: unknown): S3ssionsError {
  if (reason instanceof ThrownByApp) {
    const wrapped = new TRPCClientError<AppRouter>("getAccessToken or headers threw", { cause: reason.error as Error });
    thrownByApp.set(wrapped, reason.error);
    return wrapped as S3ssionsError;
  }
  return TRPCClientError.from(reason as Error) as S3ssionsError;
}

type Envelope = OperationResultEnvelope<unknown, S3ssionsError>;

/**
 * The first link of every client: one life per call. It resolves the call's credentials
 * in the caller's context, gives a mutation its idempotency key, and runs the attempts
 * under the call's signal and `timeoutMs`; an aborted call fails at once, whatever
 * request it shares, and is never retried.
 */
export function callLink(options: CallLinkOptions): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) => {
      if (op.type === "subscription") return next(op);
      return observable<Envelope, S3ssionsError>((observer) => {
        const life = new CallLife(op.signal, options.timeoutMs);
        let downstream: { unsubscribe(): void } | undefined;
        let settled = false;

        const attempt = (attemptOp: Operation) =>
          new Promise<Envelope>((resolve, reject) => {
            downstream = next(attemptOp).subscribe({
              next: (envelope) => resolve(envelope as Envelope),
              error: reject,
            });
          });

        const run = async (): Promise<Envelope> => {
          const credentials = await life.guard(resolveCredentials(options.getAccessToken, options.headers));
          const given = (op.context as { idempotencyKey?: unknown }).idempotencyKey;
          const idempotencyKey =
            op.type !== "mutation"
              ? undefined
              : typeof given === "string"
                ? given
                : options.idempotencyKeys
                  ? newIdempotencyKey()
                  : undefined;
          const attemptOp = withCallState({ ...op, signal: life.signal }, { credentials, idempotencyKey });
          const retriable = op.type === "query" || idempotencyKey !== undefined;
          for (let failed = 1; ; failed++) {
            try {
              return await life.guard(attempt(attemptOp));
            } catch (error) {
              if (life.reason !== undefined) throw life.reason;
              const delay = retryDelayMs(options.retry, failed, error as S3ssionsError, {
                retriable,
                remainingMs: life.remainingMs(),
              });
              if (delay === null) throw error;
              await life.sleep(delay);
            }
          }
        };

        run().then(
          (envelope) => {
            settled = true;
            life.settle();
            observer.next(envelope);
            observer.complete();
          },
          (reason: unknown) => {
            settled = true;
            life.settle();
            downstream?.unsubscribe();
            observer.error(reason instanceof TRPCClientError ? (reason as S3ssionsError) : clientError(reason));
          },
        );
        return () => {
          if (settled) return;
          downstream?.unsubscribe();
          life.cancel();
        };
      });
    };
}
