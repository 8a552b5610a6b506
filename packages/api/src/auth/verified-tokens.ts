import type { AuthUser } from "./access-token.js";

/**
 * The access tokens this instance verified lately, and whose they are. A browser sends the
 * same token with every call until it is refreshed (an hour, on Supabase), so most calls
 * to a warm instance carry a token it has already checked: a hit skips the signature
 * (an HMAC on the thread pool, or an RS256/ES256 verify) and the claim checks, which
 * cost a booking about 30 µs of CPU with HS256 (`bench:profile booking`).
 *
 * An entry answers exactly what verifying again would answer: it is keyed by the whole
 * token, and it ends when the token expires (with the verifier's clock tolerance) or after
 * `maxAgeMs`, whichever comes first, so a signing key withdrawn from the JWKS stops being
 * honoured that long after at most. Only successes are kept: a refusal is always checked
 * afresh. Bounded: past `maxEntries` the oldest entry goes first.
 */
export interface VerifiedTokens {
  /** The user a still-valid entry names (a copy: a caller may not change another's), or undefined. */
  get(token: string): AuthUser | undefined;
  /** Keeps `user` for `token` until `expiresAtMs` (or the maximum age, if sooner). */
  set(token: string, user: AuthUser, expiresAtMs: number): void;
}

export interface VerifiedTokensOptions {
  /** How many tokens are kept; 0 keeps none. */
  maxEntries: number;
  /** How long an entry is trusted at most, however late its token expires. */
  maxAgeMs: number;
  now: () => number;
}

export const DEFAULT_VERIFIED_TOKENS = { maxEntries: 1_000, maxAgeMs: 60_000 } as const;

export function createVerifiedTokens({ maxEntries, maxAgeMs, now }: VerifiedTokensOptions): VerifiedTokens {
  const entries = new Map<string, { user: AuthUser; until: number }>();
  return {
    get(token) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (now() >= entry.until) {
        entries.delete(token);
        return undefined;
      }
      return { ...entry.user };
    },
    set(token, user, expiresAtMs) {
      if (maxEntries <= 0) return;
      const at = now();
      const until = Math.min(expiresAtMs, at + maxAgeMs);
      if (until <= at) return;
      // Re-inserted at the end: a Map iterates in insertion order, so the first key is the oldest.
      entries.delete(token);
      entries.set(token, { user: { ...user }, until });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}
