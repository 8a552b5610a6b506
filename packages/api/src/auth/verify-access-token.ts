import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwksCache,
  jwtVerify,
} from "jose";
import type { Env } from "../env.js";
import { type AccessTokenVerifier, AuthError, AuthUnavailableError, type AuthUser } from "./access-token.js";
import { createSecretMatcher } from "./credentials.js";
import { createVerifiedTokens, DEFAULT_VERIFIED_TOKENS } from "./verified-tokens.js";

/**
 * Supabase access-token verification.
 *
 * - Asymmetric projects (RS256, ES256, EdDSA/Ed25519 signing keys) are verified against
 *   `${SUPABASE_URL}/auth/v1/.well-known/jwks.json`, fetched by jose and cached per process
 *   (10 min, as Supabase advises). A token whose `kid` is not in the cached set triggers
 *   one re-fetch, at most once per cooldown (30 s), so key rotation works and random
 *   `kid`s cannot turn us into a JWKS flooder.
 * - Legacy HS256 projects are verified with `SUPABASE_JWT_SECRET` (its UTF-8 bytes, as
 *   Supabase Auth signs with it).
 * - The header's `alg` only chooses between those two paths; each path pins its own
 *   algorithm list, so `none`, HS256-with-a-public-key and friends are rejected.
 * - Claims: valid signature, `exp` required, `nbf` honoured (5 s tolerance), `aud`
 *   `authenticated`, `role` `authenticated`, `sub` a UUID. `iat` is not in the future
 *   (same tolerance), and the token lives no longer than `SUPABASE_JWT_MAX_LIFETIME_SEC`
 *   (`exp` − `iat`, or `exp` − now without `iat`): a leaked signing key or a misconfigured
 *   issuer cannot mint a token that outlives every key rotation. The project's anon and
 *   service-role keys are never a user, even if their claims looked like one.
 * - `iss` is pinned to `${SUPABASE_URL}/auth/v1` (`SUPABASE_JWT_ISSUER` overrides it for a
 *   custom domain): a token of another project is refused even where keys are shared.
 *   Without either (local development on the HS256 secret alone) it is not checked.
 *
 * A token verified once is remembered by the instance (`verified-tokens.ts`) until it
 * expires or for a minute, whichever comes first: a repeat call skips the signature.
 *
 * A JWKS that cannot be refreshed (down, timeout, not 200, not a key set) does not stop
 * verification: the last key set fetched successfully keeps serving until it is
 * `jwksMaxStaleMs` old (1 h), and refreshes are retried at most once per cooldown
 * meanwhile. Without a usable key set it fails fast with `AuthUnavailableError` (an
 * `AuthError`), message "Could not verify access token".
 */

export interface AccessTokenVerifierOptions {
  /** How long a fetched JWKS is used before it is fetched again. Default 10 min. */
  jwksCacheMaxAgeMs?: number;
  /** Minimum time between a fetch and a re-fetch caused by an unknown `kid`. Default 30 s. */
  jwksCooldownMs?: number;
  /** Abort a JWKS fetch after this long. Default 1.5 s. */
  jwksTimeoutMs?: number;
  /** Allowed clock skew for `exp`/`nbf`, in seconds. Default 5. */
  clockToleranceSec?: number;
  /** How long the last good JWKS serves while refreshes fail. Default 1 h. */
  jwksMaxStaleMs?: number;
  /** The clock, for tests of staleness. */
  now?: () => number;
  /** How many verified tokens the instance remembers (0: none), and for how long at most. */
  verifiedTokens?: { maxEntries?: number; maxAgeMs?: number };
}

export const JWKS_PATH = "/auth/v1/.well-known/jwks.json";
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
export const DEFAULT_JWKS_TIMEOUT_MS = 1_500;
export const DEFAULT_CLOCK_TOLERANCE_SEC = 5;
export const DEFAULT_JWKS_MAX_STALE_MS = 60 * 60_000;

export const AUTH_MESSAGES = {
  invalid: "Invalid access token",
  expired: "Access token expired",
  unavailable: "Could not verify access token",
} as const;

const SYMMETRIC_ALGORITHMS = ["HS256"];
const ASYMMETRIC_ALGORITHMS = ["RS256", "ES256", "EdDSA", "Ed25519"];
const AUDIENCE = "authenticated";
const USER_ROLE = "authenticated";
/** Supabase tokens are ~1 KB; anything far larger is not one (and is not worth parsing). */
const MAX_TOKEN_LENGTH = 16 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function jwksUrl(supabaseUrl: string): URL {
  return new URL(`${supabaseUrl.replace(/\/+$/, "")}${JWKS_PATH}`);
}

/** The `iss` Supabase Auth writes: `${SUPABASE_URL}/auth/v1`, or the configured override. */
export function expectedIssuer(env: Pick<Env, "SUPABASE_URL" | "SUPABASE_JWT_ISSUER">): string | undefined {
  if (env.SUPABASE_JWT_ISSUER) return env.SUPABASE_JWT_ISSUER;
  return env.SUPABASE_URL ? `${env.SUPABASE_URL.replace(/\/+$/, "")}/auth/v1` : undefined;
}

/** Errors from the key lookup that are about the token (its `kid`/`alg`), not about the JWKS endpoint. */
function isTokenSideKeyError(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported
  );
}

function invalid(reason: string, cause?: unknown): AuthError {
  return new AuthError(AUTH_MESSAGES.invalid, { reason, cause });
}

/**
 * Maps a jose failure to the caller's error. jose's claim errors carry the payload (an
 * email, say), so they are reduced to a reason and not kept as the cause.
 */
function fromJoseError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError(AUTH_MESSAGES.expired, { reason: "expired" });
  if (error instanceof errors.JWTClaimValidationFailed) return invalid(`claim:${error.claim}:${error.reason}`);
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid("signature");
  if (error instanceof errors.JOSEAlgNotAllowed) return invalid("alg_not_allowed");
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return invalid("unknown_key");
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return invalid("malformed");
  if (error instanceof errors.JOSEError) return invalid(error.code);
  return invalid("unexpected", error);
}

/** What jose does not check: `iat` in the future, and a lifetime longer than the configured maximum. */
function assertSaneLifetime(payload: JWTPayload, maxLifetimeSec: number, toleranceSec: number): void {
  const nowSec = Math.floor(Date.now() / 1000);
  const { iat, exp } = payload;
  if (typeof iat === "number" && iat > nowSec + toleranceSec) throw invalid("claim:iat:in_future");
  if (typeof exp === "number" && exp - Math.min(iat ?? nowSec, nowSec) > maxLifetimeSec + toleranceSec) {
    throw invalid("lifetime");
  }
}

function toAuthUser(payload: JWTPayload): AuthUser {
  const {
    sub,
    role,
    email,
    session_id: sessionId,
    is_anonymous: isAnonymous,
  } = payload as JWTPayload & Record<string, unknown>;
  if (typeof sub !== "string" || !UUID.test(sub)) throw invalid("sub");
  // anon / service_role (the project's API keys) and anything else are not a signed-in user.
  if (role !== USER_ROLE) throw invalid("role");
  return {
    id: sub.toLowerCase(),
    email: typeof email === "string" && email !== "" ? email : null,
    role: USER_ROLE,
    sessionId: typeof sessionId === "string" && sessionId !== "" ? sessionId : null,
    isAnonymous: isAnonymous === true,
  };
}

export function createAccessTokenVerifier(env: Env, options: AccessTokenVerifierOptions = {}): AccessTokenVerifier {
  const clockTolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  const isProjectApiKey = createSecretMatcher([env.SUPABASE_ANON_KEY, env.SUPABASE_SERVICE_ROLE_KEY]);
  // Imported once: handing jose the raw bytes would import the HMAC key on every request.
  const hsSecret = env.SUPABASE_JWT_SECRET
    ? crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(env.SUPABASE_JWT_SECRET),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["verify"],
      )
    : undefined;

  let jwks: JWTVerifyGetKey | undefined;
  if (env.SUPABASE_URL) {
    jwks = createResilientJwks(jwksUrl(env.SUPABASE_URL), options);
  }
  const issuer = expectedIssuer(env);
  const verified = createVerifiedTokens({
    ...DEFAULT_VERIFIED_TOKENS,
    ...options.verifiedTokens,
    now: options.now ?? Date.now,
  });

  return async (token) => {
    if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) throw invalid("malformed");
    const known = verified.get(token);
    if (known) return known;
    // Before anything else: the project's own API keys are never a user, whatever they claim.
    if (isProjectApiKey(token)) throw invalid("api_key");
    if (!COMPACT_JWS.test(token)) throw invalid("malformed");

    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw invalid("malformed");
    }

    // The header's alg only picks the key source; each source pins its own algorithms.
    let verifying: ReturnType<typeof jwtVerify>;
    const claims = { audience: AUDIENCE, clockTolerance, requiredClaims: ["exp", "sub"], issuer };
    if (typeof alg === "string" && SYMMETRIC_ALGORITHMS.includes(alg)) {
      if (!hsSecret) throw invalid("hs256_not_configured");
      verifying = jwtVerify(token, await hsSecret, { ...claims, algorithms: SYMMETRIC_ALGORITHMS });
    } else if (typeof alg === "string" && ASYMMETRIC_ALGORITHMS.includes(alg)) {
      if (!jwks) throw invalid("jwks_not_configured");
      verifying = jwtVerify(token, jwks, { ...claims, algorithms: ASYMMETRIC_ALGORITHMS });
    } else {
      throw invalid("alg_not_allowed");
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await verifying);
    } catch (error) {
      throw fromJoseError(error);
    }
    assertSaneLifetime(payload, env.SUPABASE_JWT_MAX_LIFETIME_SEC, clockTolerance);
    const user = toAuthUser(payload);
    // `exp` is required (jose checked it): the entry ends when the token would stop verifying.
    verified.set(token, user, ((payload.exp as number) + clockTolerance) * 1000);
    return user;
  };
}

/**
 * The project's JWKS, fetched and cached by jose, that survives an outage of the JWKS
 * endpoint: when a refresh fails, the last key set fetched successfully keeps verifying
 * until it is `jwksMaxStaleMs` old, and no refresh is tried again within the cooldown (a
 * hanging endpoint would otherwise cost every request the fetch timeout).
 */
function createResilientJwks(url: URL, options: AccessTokenVerifierOptions): JWTVerifyGetKey {
  const now = options.now ?? Date.now;
  const maxStaleMs = options.jwksMaxStaleMs ?? DEFAULT_JWKS_MAX_STALE_MS;
  const cooldownMs = options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS;
  // jose writes every successfully fetched key set and its time here.
  const lastGood: { jwks?: JSONWebKeySet; uat?: number } = {};
  const remote = createRemoteJWKSet(url, {
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? DEFAULT_JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: cooldownMs,
    timeoutDuration: options.jwksTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS,
    [jwksCache]: lastGood as Record<string, never>,
  });
  let stale: { uat: number; getKey: JWTVerifyGetKey } | undefined;
  let failedAt: number | undefined;

  const usable = () => lastGood.jwks !== undefined && lastGood.uat !== undefined && now() - lastGood.uat <= maxStaleMs;
  const fromLastGood = (cause: unknown): JWTVerifyGetKey => {
    if (!usable() || !lastGood.jwks || lastGood.uat === undefined) {
      throw new AuthUnavailableError(AUTH_MESSAGES.unavailable, { reason: "jwks_unavailable", cause });
    }
    if (stale?.uat !== lastGood.uat) stale = { uat: lastGood.uat, getKey: createLocalJWKSet(lastGood.jwks) };
    return stale.getKey;
  };

  return async (header, token) => {
    // A refresh failed a moment ago and the last good set still serves: do not wait on the endpoint again yet.
    if (failedAt !== undefined && now() - failedAt < cooldownMs && usable()) {
      return fromLastGood(undefined)(header, token);
    }
    try {
      const key = await remote(header, token);
      failedAt = undefined;
      return key;
    } catch (error) {
      if (isTokenSideKeyError(error)) throw error;
      // Network error, timeout, non-200, not JSON, not a key set: the endpoint's fault.
      failedAt = now();
      return fromLastGood(error)(header, token);
    }
  };
}
