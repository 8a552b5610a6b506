import type { Database } from "@s3ssions/db";
import type { AccessTokenVerifier, AuthUser } from "./auth/access-token.js";
import { createAccessTokenVerifier } from "./auth/verify-access-token.js";
import type { Env } from "./env.js";
import type { KeyClaim } from "./idempotency/index.js";
import { configureLiveStreams } from "./live/sse-settings.js";
import { createLiveFeed, type LiveFeed } from "./live/live-feed.js";
import type { Logger } from "./logger.js";

/** What the function entry provides once per process. */
export interface ApiDependencies {
  env: Env;
  /** The process's one database handle, opened lazily. */
  db: Database;
  logger: Logger;
  /** Keeps the instance alive for work that finishes after the response (Vercel's waitUntil). */
  waitUntil: (promise: Promise<unknown>) => void;
}

/** Per-process state built from the dependencies once (the JWKS cache lives here). */
export interface ApiRuntime extends ApiDependencies {
  verifyAccessToken: AccessTokenVerifier;
  /** The instance's one reader of the live change feed, shared by its streams (sessions.live). */
  live: LiveFeed;
}

export function createApiRuntime(deps: ApiDependencies, overrides: Partial<ApiRuntime> = {}): ApiRuntime {
  configureLiveStreams(deps.env);
  return {
    ...deps,
    verifyAccessToken: createAccessTokenVerifier(deps.env),
    live: overrides.live ?? createLiveFeed(deps.db, { pollMs: deps.env.LIVE_POLL_MS, logger: deps.logger }),
    ...overrides,
  };
}

export interface Context extends ApiRuntime {
  requestId: string;
  headers: Headers;
  /** Whether this request is the instance's first. */
  coldStart: boolean;
  /** Set by `protectedProcedure`. */
  user: AuthUser | null;
  /** The Idempotency-Key this mutation holds (`protectedProcedure`); commitChange writes its outcome. */
  idempotency: KeyClaim | null;
  /** Headers a procedure adds to its HTTP answer (a replay's `Idempotent-Replayed`). */
  responseHeaders: Headers;
  /**
   * What work that outlives the request runs on (a change's tasks after the commit, a rate
   * limit's prune): the process's runtime, its database untimed. Their statements are not
   * the request's: on the request's timed view, one that landed before the log line was
   * counted in the request's `dbQueries` and Server-Timing, and one that landed after was not.
   */
  background: ApiRuntime;
}

export function createContext(
  runtime: ApiRuntime,
  request: {
    requestId: string;
    headers: Headers;
    coldStart?: boolean;
    /** The request's view of `runtime.db` (its calls timed, see `timedDatabase`); `runtime.db` when absent. */
    db?: Database;
  },
): Context {
  return {
    ...runtime,
    db: request.db ?? runtime.db,
    requestId: request.requestId,
    headers: request.headers,
    coldStart: request.coldStart ?? false,
    user: null,
    idempotency: null,
    responseHeaders: new Headers(),
    background: runtime,
  };
}

/** The context of a `protectedProcedure`: a verified user is present. */
export interface ProtectedContext extends Context {
  user: AuthUser;
}
