/** The signed-in caller, as the access token says. */
export interface AuthUser {
  /** Supabase user id (`sub`), lower-case UUID. */
  id: string;
  /** `email` claim; null when the user has none (phone sign-in, anonymous users). */
  email: string | null;
  role: "authenticated";
  /** `session_id` claim: the Supabase auth session the token belongs to, when present. */
  sessionId: string | null;
  /**
   * `is_anonymous` claim. Supabase's anonymous sign-ins carry role `authenticated` too;
   * procedures that need a real account must check this.
   */
  isAnonymous: boolean;
}

/** Verifies a Supabase access token; rejects with `AuthError` for anything but a valid user token. */
export type AccessTokenVerifier = (token: string) => Promise<AuthUser>;

/**
 * The token is not a valid user access token. The message is short and generic; it is
 * written for the caller and never carries the token, a key or a URL.
 */
export class AuthError extends Error {
  override name = "AuthError";
  /**
   * Which check failed, for logs and tests (e.g. "expired", "claim:aud", "role"); never
   * shown to the caller and never carries token content.
   */
  readonly reason: string;
  constructor(message: string, options: { reason?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason ?? "invalid";
  }
}

/**
 * The token could not be checked because the signing keys (the project's JWKS) could not
 * be fetched: the caller is not at fault. It is an `AuthError`, so code that only knows
 * `AuthError` answers 401; code that knows this class can answer 503 instead. The fetch
 * failure is kept as `cause` for the log, never in the message.
 */
export class AuthUnavailableError extends AuthError {
  override name = "AuthUnavailableError";
}
