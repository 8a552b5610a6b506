import { randomUUID } from "node:crypto";
import { transactionLimitMs } from "@s3ssions/db";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { middlewareMarker } from "@trpc/server/unstable-core-do-not-import";
import superjson from "superjson";
import * as z from "zod";
import type { Context } from "../context.js";
import { mapDatabaseError } from "../map-database-error.js";
import { serializeOutput } from "../wire-serializer.js";
import { requestFingerprint } from "./fingerprint.js";
import { REPLAYED_HEADER, idempotencyKeyOf } from "./key-header.js";
import { type KeyClaim, type StoredOutcome, claimKey, readKey, recordOutcome, releaseKey } from "./store.js";

/** A middleware's result, as `next()` gives it. */
type CallResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/** Why a keyed request got 409: its key's first request still runs. Read for Retry-After. */
export class KeyInFlightError extends Error {
  override name = "KeyInFlightError";
  readonly retryAfterSeconds = 1;
}

/** 4xx outcomes that say "not now" rather than "not this": never stored, the key is released. */
const TRANSIENT_4XX = new Set([408, 429, 499]);

/**
 * How long a dead owner's claim blocks its key: the owner's wait for a connection, a whole
 * transaction, and a second's grace (both times are the database's: no clock skew). Past
 * it no owner can still commit, and one that somehow does finds its claim gone and rolls back.
 */
function abandonAfterMs(ctx: Context): number {
  const { connectTimeoutMs, commandTimeoutMs } = ctx.db.settings;
  return connectTimeoutMs + transactionLimitMs(commandTimeoutMs) + 1_000;
}

/**
 * A mutation under its Idempotency-Key (none: `run(null)`, as ever). The first request with
 * a key claims it and runs; its success is written in the change's transaction
 * (commitChange), a typed 4xx after the rollback; an outage or timeout releases the key.
 * A later request with the key gets the first outcome replayed without running anything,
 * 422 if it asks for something else, 409 while the first still runs.
 */
export async function runKeyedMutation<R extends CallResult>(
  ctx: Context,
  call: { userId: string; path: string; getRawInput: () => Promise<unknown> },
  run: (claim: KeyClaim | null) => Promise<R>,
): Promise<R> {
  const key = idempotencyKeyOf(ctx.headers);
  if (key === null) return run(null);
  const fingerprint = requestFingerprint(call.path, await call.getRawInput());
  const claim: KeyClaim = {
    userId: call.userId,
    key,
    claimId: randomUUID(),
    ttlSeconds: ctx.env.IDEMPOTENCY_KEY_TTL_HOURS * 3600,
    recorded: false,
  };
  const request = { ...claim, fingerprint, path: call.path, abandonAfterMs: abandonAfterMs(ctx) };
  // A key released between our claim and our read is free again: claim it once more.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await claimOrRelease(ctx, claim, claimKey(ctx.db, request))) {
      const result = await run(claim);
      await settle(ctx, claim, result);
      return result;
    }
    const held = await orOutage(readKey(ctx.db, claim.userId, key));
    if (!held) continue;
    if (held.fingerprint !== fingerprint) {
      throw new TRPCError({
        code: "UNPROCESSABLE_CONTENT",
        message: "This Idempotency-Key was used for another request: send a new key for a new operation",
      });
    }
    if (held.status === "running" || !held.outcome) throw keyInFlight();
    ctx.responseHeaders.set(REPLAYED_HEADER, "true");
    // The first run's result as the resolver gave it (R is that result's type, with its ctx).
    return replay(held.outcome) as unknown as R;
  }
  // Claimed and released by others three times over: as good as in flight.
  throw keyInFlight();
}

function keyInFlight(): TRPCError {
  return new TRPCError({
    code: "CONFLICT",
    message: "A request with this Idempotency-Key is still in progress: retry after it completes",
    cause: new KeyInFlightError(),
  });
}

/**
 * A claim whose answer was lost may have taken the key all the same: it is given back
 * (best effort), or retries would meet 409 until it counts as abandoned.
 */
async function claimOrRelease(ctx: Context, claim: KeyClaim, claiming: Promise<boolean>): Promise<boolean> {
  try {
    return await claiming;
  } catch (error) {
    await releaseKey(ctx.db, claim).catch(() => {});
    throw mapDatabaseError(error) ?? error;
  }
}

/** The claim's statements under an outage answer 503/504 as every procedure does. */
async function orOutage<T>(statement: Promise<T>): Promise<T> {
  try {
    return await statement;
  } catch (error) {
    throw mapDatabaseError(error) ?? error;
  }
}

/** The first outcome again: a success's data, or the same typed error (its input issues included). */
function replay(outcome: StoredOutcome): { ok: true; data: unknown; marker: typeof middlewareMarker } {
  if (outcome.kind === "success") {
    return { ok: true, data: superjson.deserialize(outcome.data), marker: middlewareMarker };
  }
  const cause = outcome.issues ? new z.ZodRealError(outcome.issues as z.core.$ZodIssue[]) : undefined;
  throw new TRPCError({ code: outcome.code, message: outcome.message, cause });
}

/**
 * What the run ended with, kept for a retry (a success or a typed 4xx), or the key given
 * up. A second try on another connection when the first fails: a key left running blocks
 * its retries (409) until it counts as abandoned.
 */
async function settle(ctx: Context, claim: KeyClaim, result: CallResult): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (result.ok) {
        // A mutation that changed nothing through commitChange: its answer, kept after the fact.
        if (!claim.recorded) await recordOutcome(ctx.db, claim, successOutcome(result.data));
        return;
      }
      const status = getHTTPStatusCodeFromError(result.error);
      if (status >= 400 && status < 500 && !TRANSIENT_4XX.has(status)) {
        await recordOutcome(ctx.db, claim, errorOutcome(result.error));
      } else {
        await releaseKey(ctx.db, claim);
      }
      return;
    } catch (error) {
      if (attempt < 2) continue;
      // The database is gone for now: the claim stays, and counts as abandoned in time.
      ctx.logger.log("warn", "idempotency key not settled", {
        requestId: ctx.requestId,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
  }
}

export function successOutcome(data: unknown): StoredOutcome {
  return { kind: "success", data: serializeOutput(data) };
}

function errorOutcome(error: TRPCError): StoredOutcome {
  const issues = error.code === "BAD_REQUEST" && error.cause instanceof z.ZodError ? error.cause.issues : undefined;
  return { kind: "error", code: error.code, message: error.message, ...(issues ? { issues } : {}) };
}
