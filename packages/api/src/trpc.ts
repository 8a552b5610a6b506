import { TRPCError, type TRPC_ERROR_CODE_KEY, initTRPC } from "@trpc/server";
import * as z from "zod";
import { AuthError, AuthUnavailableError, type AuthUser } from "./auth/access-token.js";
import { bearerTokenOf } from "./auth/credentials.js";
import type { Context } from "./context.js";
import { requestIdOfError } from "./error-request-id.js";
import { runKeyedMutation } from "./idempotency/index.js";
import { liveSseSettings } from "./live/sse-settings.js";
import { mapDatabaseError } from "./map-database-error.js";
import { retryAfterSecondsOf } from "./rate-limit/index.js";
import { wireTransformer } from "./wire-serializer.js";
import { validationMessage } from "./validation-message.js";

/**
 * 5xx codes whose message we write for the caller; every other 5xx message (a driver's,
 * Prisma's, a bug's) is ours alone. Below 500 the message is always the caller's: those
 * statuses come from tRPC's own code table (`shape.data.httpStatus`).
 */
const CALLER_FACING_5XX = new Set<TRPC_ERROR_CODE_KEY>(["SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT"]);

const t = initTRPC.context<Context>().create({
  // superjson on the wire; answers serialised by serializeOutput (same bytes, less work).
  transformer: wireTransformer,
  // Stacks never leave the process, in any environment; they go to the log.
  isDev: false,
  // Live streams (sessions.live): end before the function's limit, pinged (see sse-settings.ts).
  sse: liveSseSettings,
  errorFormatter({ shape, error, ctx }) {
    // Only for the caller's own input: a failed output check is our bug, and its issues stay in the log.
    const invalidInput = error.code === "BAD_REQUEST" && error.cause instanceof z.ZodError ? error.cause : null;
    const zodError = invalidInput ? z.flattenError(invalidInput) : null;
    // A message we did not write (a driver's, Prisma's) may carry internals: in production
    // the caller gets a generic one and the request id to quote; the log has the detail.
    const redact =
      shape.data.httpStatus >= 500 && !CALLER_FACING_5XX.has(error.code) && ctx?.env.APP_ENV !== "development";
    return {
      ...shape,
      message: redact ? "Internal server error" : invalidInput ? validationMessage(invalidInput) : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        // Refused before a context existed: the endpoint attached the id to the error.
        requestId: ctx?.requestId ?? requestIdOfError(error) ?? null,
        zodError,
        /** Seconds until the call may be retried (429; 409 while its Idempotency-Key is in flight). */
        retryAfterSeconds: retryAfterSecondsOf(error) ?? null,
      },
    };
  },
});

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

/** A procedure's result with database outages turned into 503/504 instead of a bare 500. */
function classified<R extends { ok: true } | { ok: false; error: TRPCError }>(result: R): R {
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR") {
    const mapped = mapDatabaseError(result.error.cause);
    if (mapped) throw mapped;
  }
  return result;
}

/** The caller a bearer token names; a token that fails verification is a 401 (503 when the JWKS is down). */
async function authenticate(ctx: { verifyAccessToken: (token: string) => Promise<AuthUser> }, token: string) {
  try {
    return await ctx.verifyAccessToken(token);
  } catch (error) {
    // The verifier could not reach the JWKS: not the caller's fault, and a 401 would sign them out.
    if (error instanceof AuthUnavailableError) {
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: error.message, cause: error });
    }
    if (error instanceof AuthError) throw new TRPCError({ code: "UNAUTHORIZED", message: error.message });
    throw error;
  }
}

// Each kind of procedure has one middleware that does all it needs (who the caller is,
// then `classified`): every middleware level costs tRPC two copies of the call's options.

export const publicProcedure = t.procedure.use(async ({ next }) => classified(await next()));

/**
 * Requires `Authorization: Bearer <Supabase access token>`; puts the user on `ctx.user`.
 * Every mutation is one of these: a mutation's `Idempotency-Key` is honoured here.
 */
export const protectedProcedure = t.procedure.use(async ({ ctx, next, type, path, getRawInput }) => {
  const token = bearerTokenOf(ctx.headers);
  if (!token) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in: send Authorization: Bearer <access token>" });
  }
  const user = await authenticate(ctx, token);
  const run = (idempotency: Context["idempotency"]) => next({ ctx: { user, idempotency } });
  if (type !== "mutation") return classified(await run(null));
  return classified(await runKeyedMutation(ctx, { userId: user.id, path, getRawInput }, run));
});

/**
 * Open to anyone; a caller who sends a token is verified and put on `ctx.user`, so that
 * what is private to them (a session's onlineUrl) can be shown to them.
 */
export const viewerProcedure = t.procedure.use(async ({ ctx, next }) => {
  const token = bearerTokenOf(ctx.headers);
  const user = token ? await authenticate(ctx, token) : null;
  return classified(await next({ ctx: { user } }));
});
export { TRPCError };
