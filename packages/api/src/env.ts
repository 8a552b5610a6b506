import {
  type ConnectionSettings,
  DATABASE_URL_VARIABLES,
  DatabaseUrlError,
  parseDatabaseUrl,
  pickDatabaseUrl,
} from "@s3ssions/db";
// zod/mini, not zod: this runs in every cold start, before the first request, and the
// entry loads nothing else of zod (the procedures' schemas load with the tRPC endpoint).
import * as z from "zod/mini";

// zod/mini has no language until it is given one: English, as the procedures' messages.
z.config(z.locales.en());

const APP_ENVS = ["development", "test", "production"] as const;
export type AppEnv = (typeof APP_ENVS)[number];

const trimmed = () => z.string().check(z.trim());

const postgresUrl = trimmed().check(
  z.refine((value: string) => /^postgres(ql)?:\/\/[^\s]+$/.test(value), "must be a postgresql:// URL"),
);

const optionalText = z.optional(
  z.pipe(
    trimmed(),
    z.transform((value: string) => (value === "" ? undefined : value)),
  ),
);

const httpUrl = () => z.url({ protocol: /^https?$/ });

/** A problem found while transforming a value, reported as the field's issue. */
function addIssue(ctx: z.core.ParsePayload, message: string): void {
  ctx.issues.push({ code: "custom", message, input: ctx.value });
}

const origins = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined, ctx) => {
    const list = (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean);
    for (const origin of list) {
      if (origin === "*") continue;
      try {
        if (new URL(origin).origin !== origin) throw new Error();
      } catch {
        addIssue(ctx, `"${origin}" is not an origin like https://app.example.com`);
      }
    }
    return list;
  }),
);

/** A per-user, per-minute write limit: a whole number, 0 disables it, unset or empty takes the default. */
function perMinuteLimit(fallback: number) {
  return z.pipe(
    z.optional(trimmed()),
    z.transform((value: string | undefined, ctx) => {
      if (value === undefined || value === "") return fallback;
      if (!/^\d{1,7}$/.test(value)) {
        addIssue(ctx, "must be a whole number of requests per minute (0 disables the limit)");
        return z.NEVER;
      }
      return Number(value);
    }),
  );
}

/** Supabase's longest configurable access-token lifetime (its JWT expiry limit): one week. */
export const DEFAULT_JWT_MAX_LIFETIME_SEC = 7 * 24 * 3600;
/** A whole number within [min, max]; unset or empty takes the default. */
function wholeNumber(fallback: number, min: number, max: number, unit: string) {
  return z.pipe(
    z.optional(trimmed()),
    z.transform((value: string | undefined, ctx) => {
      if (value === undefined || value === "") return fallback;
      const number = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
      if (!(number >= min && number <= max)) {
        addIssue(ctx, `must be a whole number of ${unit} from ${min} to ${max}`);
        return z.NEVER;
      }
      return number;
    }),
  );
}

/**
 * Everything the API reads from its environment. Parsed once at start; a bad value
 * stops the start with one message naming every variable that is wrong.
 */
const envSchema = z
  .object({
    APP_ENV: z.enum(APP_ENVS),
    SUPABASE_URL: z.optional(httpUrl()),
    SUPABASE_ANON_KEY: optionalText,
    SUPABASE_SERVICE_ROLE_KEY: optionalText,
    SUPABASE_JWT_SECRET: optionalText,
    /** The access tokens' `iss` when it is not `${SUPABASE_URL}/auth/v1` (a custom domain). */
    SUPABASE_JWT_ISSUER: z.pipe(optionalText, z.optional(httpUrl())),
    /** The longest an access token may live (`exp` − `iat`), in seconds; a longer one is refused. */
    SUPABASE_JWT_MAX_LIFETIME_SEC: z.pipe(
      z.optional(trimmed()),
      z.transform((value: string | undefined, ctx) => {
        if (value === undefined || value === "") return DEFAULT_JWT_MAX_LIFETIME_SEC;
        if (!/^[1-9]\d{0,9}$/.test(value)) {
          addIssue(ctx, "must be a whole number of seconds (at least 1)");
          return z.NEVER;
        }
        return Number(value);
      }),
    ),
    /** Most waitlisted bookings per session; unset: as many as the session's capacity. */
    WAITLIST_MAX: z.pipe(
      z.optional(trimmed()),
      z.transform((value: string | undefined, ctx) => {
        if (value === undefined || value === "") return undefined;
        if (!/^\d{1,6}$/.test(value)) {
          addIssue(ctx, "must be a whole number of waitlisted bookings per session");
          return z.NEVER;
        }
        return Number(value);
      }),
    ),
    /** Lets anonymous sign-ins book seats (they may always read). */
    ALLOW_ANONYMOUS_BOOKINGS: z.pipe(
      z.optional(z.enum(["true", "false", ""])),
      z.transform((value) => value === "true"),
    ),
    /** Direct connection (port 5432): migrations only, never used at run time. */
    SUPABASE_DB_URL: z.optional(postgresUrl),
    /** Transaction-mode pooler (port 6543): the only URL the app queries through. */
    SUPABASE_DB_URL_TRANSACTION: postgresUrl,
    /** Root certificate (PEM) for `sslmode=verify-ca|verify-full` when the URL names no `sslrootcert` file. */
    SUPABASE_DB_CA_CERT: optionalText.check(
      z.refine(
        (pem: string | undefined) => pem === undefined || pem.includes("-----BEGIN CERTIFICATE-----"),
        "must be a PEM certificate (-----BEGIN CERTIFICATE-----…)",
      ),
    ),
    CRON_SECRET: z.pipe(optionalText, z.optional(z.string().check(z.minLength(16, "must be at least 16 characters")))),
    WEBHOOK_URL: z.optional(httpUrl()),
    /** Standard Webhooks signing secret: `whsec_` and the base64 of at least 24 random bytes. */
    WEBHOOK_SECRET: z.pipe(
      optionalText,
      z.optional(
        z
          .string()
          .check(
            z.refine(
              (value: string) =>
                /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value.slice(6), "base64").length >= 24,
              "must be whsec_ followed by the base64 of at least 24 random bytes (openssl rand -base64 32)",
            ),
          ),
      ),
    ),
    CORS_ORIGINS: origins,
    VERCEL_GIT_COMMIT_SHA: optionalText,
    VERCEL_REGION: optionalText,
    /** Per-user limits on writes, counted in Postgres across all instances (0 disables). */
    RATE_LIMIT_SESSIONS_CREATE_PER_MIN: perMinuteLimit(20),
    RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: perMinuteLimit(60),
    RATE_LIMIT_SESSIONS_UPDATE_PER_MIN: perMinuteLimit(60),
    RATE_LIMIT_BOOKINGS_CANCEL_PER_MIN: perMinuteLimit(60),
    /** How long a mutation's Idempotency-Key and its outcome are kept (whole hours, default 24). */
    IDEMPOTENCY_KEY_TTL_HOURS: wholeNumber(24, 1, 87_600, "hours"),
    /** How often the instance's live reader reads the change feed while it has viewers. */
    LIVE_POLL_MS: wholeNumber(250, 10, 10_000, "milliseconds"),
    /** How long one live stream lasts before the server ends it (the client resumes): below Vercel's 30 s. */
    LIVE_STREAM_MAX_MS: wholeNumber(25_000, 100, 29_000, "milliseconds"),
    /** How often an idle live stream gets a ping. */
    LIVE_PING_MS: wholeNumber(10_000, 50, 25_000, "milliseconds"),
    /** Open live streams per instance; past it a new one gets 503 with Retry-After. */
    LIVE_MAX_STREAMS: wholeNumber(1000, 1, 100_000, "streams"),
  })
  .check(
    z.superRefine((env, ctx) => {
      // The pooler URL's parameters (connection_limit, timeouts, …) are checked here, at
      // start, rather than at the first query.
      let pooler: ConnectionSettings | undefined;
      for (const key of ["SUPABASE_DB_URL_TRANSACTION", "SUPABASE_DB_URL"] as const) {
        const url = env[key];
        if (!url || !/^postgres(ql)?:\/\//.test(url)) continue;
        try {
          const settings = parseDatabaseUrl(url, { caPem: env.SUPABASE_DB_CA_CERT });
          if (key === "SUPABASE_DB_URL_TRANSACTION") pooler = settings;
        } catch (error) {
          const message =
            error instanceof DatabaseUrlError ? error.message.replace(/^database URL /, "") : "is invalid";
          ctx.addIssue({ code: "custom", path: [key], message });
        }
      }
      const require = (key: keyof typeof env, why: string) => {
        if (env[key] === undefined) ctx.addIssue({ code: "custom", path: [key], message: `is required ${why}` });
      };
      if (env.WEBHOOK_URL) require("WEBHOOK_SECRET", "when WEBHOOK_URL is set");
      if (env.APP_ENV !== "production") return;
      // SUPABASE_SERVICE_ROLE_KEY is not required: a service-role token already fails the
      // role check of every access token; when it is set, it is refused by value too.
      for (const key of ["SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_DB_URL", "CRON_SECRET"] as const) {
        require(key, "in production");
      }
      for (const key of ["SUPABASE_URL", "WEBHOOK_URL"] as const) {
        const value = env[key];
        if (typeof value === "string" && URL.canParse(value) && new URL(value).protocol !== "https:") {
          ctx.addIssue({ code: "custom", path: [key], message: "must be an https: URL in production" });
        }
      }
      if (pooler && !pooler.pgbouncer) {
        ctx.addIssue({
          code: "custom",
          path: ["SUPABASE_DB_URL_TRANSACTION"],
          message: "must be the transaction pooler in production (port 6543, or pgbouncer=true on another port)",
        });
      }
    }),
  );

export type Env = z.output<typeof envSchema> & {
  /** The variables the database URLs were read from (ours, or the integration's names). */
  databaseUrlFrom: { pooler?: string; direct?: string };
};

export class EnvError extends Error {
  override name = "EnvError";
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export interface ParseEnvOptions {
  /**
   * APP_ENV when the environment names none and is not a Vercel production or preview
   * deployment: "production" for what ships (`pnpm start`, the Vercel function),
   * "development" (the default) for `pnpm dev` and tests.
   */
  defaultAppEnv?: AppEnv;
}

/**
 * Fails closed: without APP_ENV, a Vercel production or preview deployment (VERCEL_ENV)
 * is production whatever the entry says, so a deploy that forgets APP_ENV still enforces
 * production's requirements and never returns raw driver messages.
 */
export function resolveAppEnv(source: Record<string, string | undefined>, fallback: AppEnv): string {
  const named = source.APP_ENV?.trim();
  if (named) return named;
  const vercel = source.VERCEL_ENV?.trim();
  return vercel === "production" || vercel === "preview" ? "production" : fallback;
}

/** Values never appear in the message: a misplaced secret must not reach a log. */
export function parseEnv(source: Record<string, string | undefined>, options: ParseEnvOptions = {}): Env {
  const appEnv = resolveAppEnv(source, options.defaultAppEnv ?? "development");
  const pooler = pickDatabaseUrl(source, "pooler");
  const direct = pickDatabaseUrl(source, "direct");
  const result = envSchema.safeParse({
    ...source,
    APP_ENV: appEnv,
    SUPABASE_DB_URL_TRANSACTION: pooler?.url,
    SUPABASE_DB_URL: direct?.url,
  });
  if (result.success) return { ...result.data, databaseUrlFrom: { pooler: pooler?.name, direct: direct?.name } };
  // A problem with a database URL names the variable it was read from, or every name it may come from.
  const names: Record<string, string> = {
    SUPABASE_DB_URL_TRANSACTION: pooler?.name ?? DATABASE_URL_VARIABLES.pooler.join(" or "),
    SUPABASE_DB_URL: direct?.name ?? DATABASE_URL_VARIABLES.direct.join(" or "),
  };
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join(".");
    const key = names[path] ?? (path || "environment");
    const message = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
    return `${key} ${message}`;
  });
  throw new EnvError(problems);
}
