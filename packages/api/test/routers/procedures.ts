import { randomUUID } from "node:crypto";
import { createDatabase, type Database, sql as statement } from "@s3ssions/db";
import { createTestDatabase, ensurePgBouncer, signHs256, type TestDatabase } from "@s3ssions/testing";
import { getErrorShape, TRPCError } from "@trpc/server";
import {
  type ApiRuntime,
  appRouter,
  createApiRuntime,
  createCallerFactory,
  createContext,
  type Logger,
  parseEnv,
} from "../../src/index.js";

// Procedures called in-process, as the HTTP handler calls them but without it: the real
// router, a real context (env, token verifier, logger, waitUntil) and the real database
// through PgBouncer in transaction mode. Editing a procedure and running its test needs
// no build.

export const JWT_SECRET = "procedure-test-jwt-secret-with-32-characters";

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

/** A signed-in user: the caller is a proxy, so the id travels beside it. */
export interface TestUser {
  userId: string;
  token: string;
  api: Caller;
}

export interface Procedures {
  tdb: TestDatabase;
  db: Database;
  runtime: ApiRuntime;
  /** A caller with these request headers (e.g. an `authorization` of any kind). */
  withHeaders(headers: Record<string, string>): Caller;
  /** A caller signed in as `userId` (a fresh user when omitted), with an HS256 access token. */
  as(userId?: string): Promise<TestUser>;
  anonymous: Caller;
  /**
   * Another instance on the same database: its own pool, live reader and callers (the
   * user's token works on both). Closed with this one.
   */
  instance(): Instance;
  /**
   * Holds a session's row lock from another connection until the returned release: a change
   * on that session waits inside its transaction meanwhile.
   */
  holdSessionLock(sessionId: string): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface Instance {
  runtime: ApiRuntime;
  /** The same user's caller on this instance. */
  as(user: TestUser): Caller;
  anonymous: Caller;
}

const quiet: Logger = { log: () => {} };

/** The router on its own migrated database, behind the real pooler; `env` adds to the test env. */
export async function startProcedures(label: string, env: Record<string, string> = {}): Promise<Procedures> {
  await ensurePgBouncer();
  const tdb = await createTestDatabase(label);
  const db = createDatabase({ url: tdb.pooledUrl() });
  const background: Promise<unknown>[] = [];
  const runtime = createApiRuntime({
    env: parseEnv({
      APP_ENV: "test",
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
      SUPABASE_JWT_SECRET: JWT_SECRET,
      ...env,
    }),
    db,
    logger: quiet,
    waitUntil: (promise) => void background.push(promise.catch(() => {})),
  });
  // Tokens are issued by this API's own project (its SUPABASE_URL, when the test sets one).
  const issuer = env.SUPABASE_URL ? { supabaseUrl: env.SUPABASE_URL } : undefined;
  const callerOn = (on: ApiRuntime) => (headers: Record<string, string>) =>
    createCaller(createContext(on, { requestId: randomUUID(), headers: new Headers(headers) }));
  const withHeaders = callerOn(runtime);
  const instances: Database[] = [];
  return {
    tdb,
    db,
    runtime,
    withHeaders,
    async as(userId = randomUUID()) {
      const token = await signHs256(JWT_SECRET, { sub: userId }, issuer);
      return { userId, token, api: withHeaders({ authorization: `Bearer ${token}` }) };
    },
    anonymous: withHeaders({}),
    instance() {
      const other = createDatabase({ url: tdb.pooledUrl() });
      instances.push(other);
      const otherRuntime = createApiRuntime({
        env: runtime.env,
        db: other,
        logger: quiet,
        waitUntil: runtime.waitUntil,
      });
      const on = callerOn(otherRuntime);
      return { runtime: otherRuntime, as: (user) => on({ authorization: `Bearer ${user.token}` }), anonymous: on({}) };
    },
    async holdSessionLock(sessionId) {
      const lockDb = createDatabase({ url: tdb.directUrl });
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const done = lockDb.transaction(async (tx) => {
        await tx.query(statement`SELECT 1 FROM sessions WHERE id = ${sessionId}::uuid FOR UPDATE`);
        locked();
        await released;
      });
      try {
        await Promise.race([isLocked, done]);
      } catch (error) {
        await lockDb.close();
        throw error;
      }
      return async () => {
        release();
        await done;
        await lockDb.close();
      };
    },
    async close() {
      await Promise.all(background);
      runtime.live.close();
      await Promise.all(instances.map((other) => other.close()));
      await db.close();
      await tdb.drop();
    },
  };
}

/** Waits until `check` holds, checking every 10 ms for up to 5 s. */
export async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error("condition not reached in 5 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The error a call failed with, shaped by our error formatter exactly as the wire carries it. */
export async function failure(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return getErrorShape({
      config: appRouter._def._config,
      error,
      type: "unknown",
      path: undefined,
      input: undefined,
      ctx: undefined,
    });
  }
  throw new Error("expected the call to fail");
}

/** The code a call failed with. */
export async function errorCodeOf(call: Promise<unknown>): Promise<string> {
  return (await failure(call)).data.code;
}

export { hoursFromNow, sessionInput } from "@s3ssions/testing";
