import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { AuthError, AuthUnavailableError, type AuthUser } from "../../src/auth/access-token.js";
import { type AccessTokenVerifierOptions, createAccessTokenVerifier } from "../../src/auth/verify-access-token.js";
import { parseEnv } from "../../src/env.js";

// The access-token verifier alone, on a parsed test env: no database, no HTTP.

/** The project's HS256 JWT secret (a random one). */
export const SECRET = randomBytes(32).toString("base64url");
const POOLER = "postgresql://postgres:pw@127.0.0.1:6543/postgres?pgbouncer=true&connection_limit=1";
export const now = () => Math.floor(Date.now() / 1000);

/** A verifier for the test env with these variables (and options) set. */
export function verifier(vars: Record<string, string | undefined>, options?: AccessTokenVerifierOptions) {
  return createAccessTokenVerifier(
    parseEnv({ APP_ENV: "test", SUPABASE_DB_URL_TRANSACTION: POOLER, ...vars }),
    options,
  );
}

/** Resolves to the AuthError the promise rejected with; fails the test if it resolved or threw something else. */
export async function rejection(promise: Promise<AuthUser>): Promise<AuthError> {
  const outcome = await promise.then(
    (user) => ({ user }),
    (error: unknown) => ({ error }),
  );
  if ("user" in outcome) throw new Error(`expected a rejection, got user ${JSON.stringify(outcome.user)}`);
  expect(outcome.error).toBeInstanceOf(AuthError);
  return outcome.error as AuthError;
}

/** Refused as invalid (not as "could not verify"), for `reason`. */
export async function expectInvalid(promise: Promise<AuthUser>, reason: string | RegExp): Promise<void> {
  const error = await rejection(promise);
  expect(error).not.toBeInstanceOf(AuthUnavailableError);
  expect(error.message).toBe("Invalid access token");
  if (typeof reason === "string") expect(error.reason).toBe(reason);
  else expect(error.reason).toMatch(reason);
}
