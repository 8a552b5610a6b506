import { type Database, type Queryable, sql } from "@s3ssions/db";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import type { SuperJSONResult } from "superjson";

/**
 * The idempotency table's SQL. A key is claimed by one autocommitted statement (atomic on
 * its own, so two instances racing for a key agree on one owner, through a transaction
 * pooler); its outcome is written by the claim's owner only (`claim_id`), the success in
 * the change's own transaction. Times are the database's `now()`.
 */

/** What a key's first request ended with, as it is replayed. */
export type StoredOutcome =
  | { kind: "success"; data: SuperJSONResult }
  | { kind: "error"; code: TRPC_ERROR_CODE_KEY; message: string; issues?: unknown[] };

/** A key this request holds: it runs the operation, and only it may write the outcome. */
export interface KeyClaim {
  userId: string;
  key: string;
  claimId: string;
  ttlSeconds: number;
  /** Set once the success is written in the change's transaction (commitChange). */
  recorded: boolean;
}

/** The key as another request left it. */
export interface HeldKey {
  fingerprint: string;
  status: "running" | "succeeded" | "failed";
  outcome: StoredOutcome | null;
}

export interface ClaimRequest {
  userId: string;
  key: string;
  claimId: string;
  fingerprint: string;
  path: string;
  ttlSeconds: number;
  /** A running claim older than this is abandoned (its owner died): the key may run again. */
  abandonAfterMs: number;
}

/**
 * Claims the key for this request: a new key, an expired one (it acts as new) or one whose
 * running claim was abandoned. True when this request now holds it.
 */
export async function claimKey(db: Database, request: ClaimRequest): Promise<boolean> {
  const rows = await db.query<{ claim_id: string }>(sql`
    INSERT INTO idempotency_keys AS k (user_id, key, fingerprint, path, claim_id, status, claimed_at, expires_at)
    VALUES (${request.userId}::uuid, ${request.key}, ${request.fingerprint}, ${request.path},
            ${request.claimId}::uuid, 'running', now(), now() + make_interval(secs => ${request.ttlSeconds}::int))
    ON CONFLICT (user_id, key) DO UPDATE SET
      fingerprint = EXCLUDED.fingerprint, path = EXCLUDED.path, claim_id = EXCLUDED.claim_id,
      status = 'running', outcome = NULL, claimed_at = EXCLUDED.claimed_at, completed_at = NULL,
      expires_at = EXCLUDED.expires_at
    WHERE k.expires_at <= now()
       OR (k.status = 'running' AND k.claimed_at <= now() - make_interval(secs => ${request.abandonAfterMs / 1000}::float8))
    RETURNING claim_id::text`);
  return rows[0]?.claim_id === request.claimId;
}

/** The key as it stands (null: gone since, e.g. released by its owner). */
export async function readKey(db: Database, userId: string, key: string): Promise<HeldKey | null> {
  const rows = await db.query<HeldKey>(sql`
    SELECT fingerprint, status::text AS status, outcome
    FROM idempotency_keys
    WHERE user_id = ${userId}::uuid AND key = ${key} AND expires_at > now()`);
  return rows[0] ?? null;
}

/**
 * Writes the outcome of the request holding `claim` (in the change's transaction for a
 * success, so it commits or rolls back with the change). False when the claim is no longer
 * this request's (taken over as abandoned): the caller must not commit.
 */
export async function recordOutcome(tx: Queryable, claim: KeyClaim, outcome: StoredOutcome): Promise<boolean> {
  const touched = await tx.execute(sql`
    UPDATE idempotency_keys
    SET status = ${outcome.kind === "success" ? "succeeded" : "failed"}::"IdempotencyKeyStatus",
        outcome = ${JSON.stringify(outcome)}::json, completed_at = now(),
        expires_at = now() + make_interval(secs => ${claim.ttlSeconds}::int)
    WHERE user_id = ${claim.userId}::uuid AND key = ${claim.key}
      AND claim_id = ${claim.claimId}::uuid AND status = 'running'`);
  return touched === 1;
}

/**
 * Gives the key up after an outcome that is not stored (an outage, a timeout): nothing
 * committed, so a retry may run it again. A success that did commit is left alone.
 */
export async function releaseKey(db: Database, claim: KeyClaim): Promise<void> {
  await db.execute(sql`
    DELETE FROM idempotency_keys
    WHERE user_id = ${claim.userId}::uuid AND key = ${claim.key}
      AND claim_id = ${claim.claimId}::uuid AND status = 'running'`);
}

/** Deletes keys past their expiry (the cron's job): such a key already acts as new. */
export async function pruneIdempotencyKeys(db: Database): Promise<number> {
  return db.execute(sql`DELETE FROM idempotency_keys WHERE expires_at <= now()`);
}
