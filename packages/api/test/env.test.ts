import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../src/env.js";

const TX = "postgresql://postgres.ref:pw@pooler.example.com:6543/postgres?pgbouncer=true&connection_limit=1";

const WHSEC = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;

const production = {
  APP_ENV: "production",
  SUPABASE_URL: "https://ref.supabase.co",
  SUPABASE_ANON_KEY: "anon-key",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key",
  SUPABASE_DB_URL: "postgresql://postgres:pw@db.ref.supabase.co:5432/postgres",
  SUPABASE_DB_URL_TRANSACTION: TX,
  CRON_SECRET: "0123456789abcdef0123",
};

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseEnv", () => {
  it("says what is wrong in English, naming the values allowed (zod's messages, with nothing else of zod loaded)", () => {
    expect(problemsOf({ APP_ENV: "staging", SUPABASE_DB_URL_TRANSACTION: TX, ALLOW_ANONYMOUS_BOOKINGS: "yes" })).toEqual([
      'APP_ENV Invalid option: expected one of "development"|"test"|"production"',
      'ALLOW_ANONYMOUS_BOOKINGS Invalid option: expected one of "true"|"false"|""',
    ]);
    expect(problemsOf({ APP_ENV: "test", SUPABASE_DB_URL_TRANSACTION: TX, SUPABASE_URL: "ftp://x" })).toEqual([
      "SUPABASE_URL Invalid URL",
    ]);
  });

  it("accepts a complete production environment", () => {
    const env = parseEnv(production);
    expect(env.APP_ENV).toBe("production");
    expect(env.CORS_ORIGINS).toEqual([]);
  });

  it("defaults APP_ENV to development and needs only the pooler URL there", () => {
    const env = parseEnv({ SUPABASE_DB_URL_TRANSACTION: TX });
    expect(env.APP_ENV).toBe("development");
  });

  it.each(["production", "preview"])("fails closed: VERCEL_ENV=%s without APP_ENV is production", (vercelEnv) => {
    const problems = problemsOf({ VERCEL_ENV: vercelEnv, SUPABASE_DB_URL_TRANSACTION: TX });
    expect(problems).toContain("CRON_SECRET is required in production");
    const { APP_ENV: _, ...withoutAppEnv } = production;
    expect(parseEnv({ ...withoutAppEnv, VERCEL_ENV: vercelEnv }).APP_ENV).toBe("production");
  });

  it("fails closed: the production entries default to production, an explicit APP_ENV still wins", () => {
    expect(problemsOf({ SUPABASE_DB_URL_TRANSACTION: TX }).length).toBe(0);
    expect(() => parseEnv({ SUPABASE_DB_URL_TRANSACTION: TX }, { defaultAppEnv: "production" })).toThrow(
      /CRON_SECRET is required in production/,
    );
    expect(parseEnv({ APP_ENV: "test", VERCEL_ENV: "production", SUPABASE_DB_URL_TRANSACTION: TX }).APP_ENV).toBe(
      "test",
    );
    expect(parseEnv({ VERCEL_ENV: "development", SUPABASE_DB_URL_TRANSACTION: TX }).APP_ENV).toBe("development");
  });

  it("names every missing production variable in one message", () => {
    const problems = problemsOf({ APP_ENV: "production", SUPABASE_DB_URL_TRANSACTION: TX });
    expect(problems).toEqual(
      expect.arrayContaining([
        "SUPABASE_URL is required in production",
        "SUPABASE_ANON_KEY is required in production",
        "SUPABASE_DB_URL or POSTGRES_URL_NON_POOLING is required in production",
        "CRON_SECRET is required in production",
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it("does not require SUPABASE_SERVICE_ROLE_KEY in production (a service-role token fails the role check)", () => {
    expect(parseEnv({ ...production, SUPABASE_SERVICE_ROLE_KEY: undefined }).APP_ENV).toBe("production");
  });

  it.each([
    ["SUPABASE_URL", "http://ref.supabase.co"],
    ["WEBHOOK_URL", "http://hooks.example.com/in"],
  ])("requires %s to be https: in production (%s is refused)", (key, value) => {
    const problems = problemsOf({ ...production, WEBHOOK_SECRET: WHSEC, [key]: value });
    expect(problems).toEqual([`${key} must be an https: URL in production`]);
    expect(problemsOf({ ...production, WEBHOOK_SECRET: WHSEC, APP_ENV: "test", [key]: value })).toEqual([]);
  });

  it("requires the pooler URL everywhere", () => {
    expect(problemsOf({ APP_ENV: "test" })).toEqual(["SUPABASE_DB_URL_TRANSACTION or POSTGRES_PRISMA_URL is required"]);
  });

  it("insists on the transaction pooler for the production pooler URL (6543, or pgbouncer=true)", () => {
    const direct = TX.replace("6543", "5432").replace("pgbouncer=true&", "");
    const problems = problemsOf({ ...production, SUPABASE_DB_URL_TRANSACTION: direct });
    expect(problems).toEqual([expect.stringMatching(/^SUPABASE_DB_URL_TRANSACTION must be the transaction pooler/)]);
    expect(problemsOf({ ...production, SUPABASE_DB_URL_TRANSACTION: TX.replace("pgbouncer=true&", "") })).toEqual([]);
  });

  it.each([
    ["APP_ENV", "staging"],
    ["SUPABASE_URL", "not a url"],
    ["SUPABASE_DB_URL_TRANSACTION", "mysql://x@y/z"],
    ["CRON_SECRET", "short"],
    ["WEBHOOK_SECRET", "a-plain-shared-secret-of-some-length"],
    ["WEBHOOK_SECRET", "whsec_c2hvcnQ="],
    ["CORS_ORIGINS", "https://ok.example.com,not-an-origin"],
    ["CORS_ORIGINS", "https://example.com/path"],
  ])("rejects %s=%s", (key, value) => {
    const problems = problemsOf({ ...production, [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.startsWith(key)).toBe(true);
  });

  it("requires WEBHOOK_SECRET with WEBHOOK_URL", () => {
    expect(problemsOf({ ...production, WEBHOOK_URL: "https://hooks.example.com/in" })).toEqual([
      "WEBHOOK_SECRET is required when WEBHOOK_URL is set",
    ]);
  });

  it("parses the CORS allowlist", () => {
    const env = parseEnv({ ...production, CORS_ORIGINS: " https://a.example.com , http://localhost:5173 " });
    expect(env.CORS_ORIGINS).toEqual(["https://a.example.com", "http://localhost:5173"]);
  });

  it("keeps Idempotency-Keys 24 h unless told otherwise, in whole hours of at least one", () => {
    expect(parseEnv(production).IDEMPOTENCY_KEY_TTL_HOURS).toBe(24);
    expect(parseEnv({ ...production, IDEMPOTENCY_KEY_TTL_HOURS: " 48 " }).IDEMPOTENCY_KEY_TTL_HOURS).toBe(48);
    for (const value of ["0", "1.5", "-1", "a day"]) {
      expect(problemsOf({ ...production, IDEMPOTENCY_KEY_TTL_HOURS: value }), value).toEqual([
        "IDEMPOTENCY_KEY_TTL_HOURS must be a whole number of hours from 1 to 87600",
      ]);
    }
  });

  it("never echoes a value in its message", () => {
    const error = (() => {
      try {
        parseEnv({ ...production, SUPABASE_DB_URL_TRANSACTION: "mysql://user:topsecret@h/db" });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain("SUPABASE_DB_URL_TRANSACTION");
    expect(error?.message).not.toContain("topsecret");
  });
});

describe("the pooler URL's parameters are checked at start", () => {
  it.each([
    ["connection_limit=0", "SUPABASE_DB_URL_TRANSACTION parameter connection_limit"],
    ["statement_cache_size=100", "SUPABASE_DB_URL_TRANSACTION parameter statement_cache_size must be 0"],
    ["schema=tenant_a", "SUPABASE_DB_URL_TRANSACTION parameter schema is not supported"],
  ])("%s", (param, message) => {
    const url = TX.replace("connection_limit=1", param);
    expect(() => parseEnv({ SUPABASE_DB_URL_TRANSACTION: url })).toThrow(message);
  });

  it("pgbouncer=1 counts as pgbouncer=true in production", () => {
    expect(
      parseEnv({ ...production, SUPABASE_DB_URL_TRANSACTION: TX.replace("pgbouncer=true", "pgbouncer=1") }).APP_ENV,
    ).toBe("production");
  });

  describe("the Supabase–Vercel integration's variables", () => {
    const INTEGRATION_POOLER =
      "postgres://postgres.ref:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres?sslmode=require&supa=base-pooler.x";
    const INTEGRATION_DIRECT = "postgres://postgres.ref:pw@db.ref.supabase.co:5432/postgres?sslmode=require";
    const { SUPABASE_DB_URL: _d, SUPABASE_DB_URL_TRANSACTION: _t, ...rest } = production;
    const integration = {
      ...rest,
      POSTGRES_PRISMA_URL: INTEGRATION_POOLER,
      POSTGRES_URL_NON_POOLING: INTEGRATION_DIRECT,
    };

    it("starts in production with only POSTGRES_PRISMA_URL and POSTGRES_URL_NON_POOLING, and says so", () => {
      const env = parseEnv(integration);
      expect(env.SUPABASE_DB_URL_TRANSACTION).toBe(INTEGRATION_POOLER);
      expect(env.SUPABASE_DB_URL).toBe(INTEGRATION_DIRECT);
      expect(env.databaseUrlFrom).toEqual({ pooler: "POSTGRES_PRISMA_URL", direct: "POSTGRES_URL_NON_POOLING" });
    });

    it("ours win when both are set", () => {
      const env = parseEnv({ ...integration, SUPABASE_DB_URL_TRANSACTION: TX });
      expect(env.SUPABASE_DB_URL_TRANSACTION).toBe(TX);
      expect(env.databaseUrlFrom).toEqual({
        pooler: "SUPABASE_DB_URL_TRANSACTION",
        direct: "POSTGRES_URL_NON_POOLING",
      });
    });

    it("a problem names the variable the URL came from", () => {
      expect(problemsOf({ ...integration, POSTGRES_PRISMA_URL: INTEGRATION_POOLER.replace("require", "on") })).toEqual([
        expect.stringMatching(/^POSTGRES_PRISMA_URL parameter sslmode must be one of/),
      ]);
    });

    it("production refuses a pooler URL that is not the transaction pooler", () => {
      expect(problemsOf({ ...integration, POSTGRES_PRISMA_URL: INTEGRATION_DIRECT })).toEqual([
        expect.stringMatching(/^POSTGRES_PRISMA_URL must be the transaction pooler in production/),
      ]);
    });

    it("SUPABASE_DB_CA_CERT must be a PEM certificate", () => {
      expect(problemsOf({ ...integration, SUPABASE_DB_CA_CERT: "not a pem" })).toEqual([
        expect.stringMatching(/^SUPABASE_DB_CA_CERT must be a PEM certificate/),
      ]);
    });
  });
});
