import { spawn } from "node:child_process";
import { once } from "node:events";
import { SERVER_BUNDLE } from "@s3ssions/testing";
import { describe, expect, it } from "vitest";

// The production server (`pnpm start` runs dist/server.mjs) without APP_ENV: it must run
// as production and refuse to start without production's variables. No database is
// needed: the environment is checked before anything connects.

const COMPLETE_BUT_CRON = {
  SUPABASE_URL: "https://ref.supabase.co",
  SUPABASE_ANON_KEY: "anon-key",
  SUPABASE_DB_URL: "postgresql://postgres:pw@127.0.0.1:5432/postgres",
  SUPABASE_DB_URL_TRANSACTION: "postgresql://postgres:pw@127.0.0.1:6543/postgres?pgbouncer=true&connection_limit=1",
};

async function startBundle(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [SERVER_BUNDLE], {
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
    // Started after all: stop it, the test fails on the exit code.
    if (output.includes('"msg":"listening"')) child.kill("SIGTERM");
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const [code] = await once(child, "exit");
  return { code: code as number | null, output };
}

describe("fail closed: the production server without APP_ENV", () => {
  it("VERCEL_ENV=production without APP_ENV or CRON_SECRET refuses to start, naming CRON_SECRET", async () => {
    const { code, output } = await startBundle({ ...COMPLETE_BUT_CRON, VERCEL_ENV: "production" });
    expect(code).toBe(1);
    expect(output).toContain("CRON_SECRET is required in production");
    expect(output).not.toContain("pw@");
  });

  it("pnpm start (no VERCEL_ENV, no APP_ENV) runs as production: same refusal, every missing variable named", async () => {
    const { code, output } = await startBundle({
      SUPABASE_DB_URL_TRANSACTION: COMPLETE_BUT_CRON.SUPABASE_DB_URL_TRANSACTION,
    });
    expect(code).toBe(1);
    for (const key of ["SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_DB_URL", "CRON_SECRET"]) {
      // The direct URL may come under the integration's name too: "SUPABASE_DB_URL or POSTGRES_URL_NON_POOLING".
      expect(output).toMatch(new RegExp(`- ${key}( or [A-Z_]+)? is required in production`));
    }
  });

  it("with every production variable it starts as production", async () => {
    const { output } = await startBundle({ ...COMPLETE_BUT_CRON, CRON_SECRET: "0123456789abcdef0123" });
    expect(output).toMatch(/"msg":"listening".*"env":"production"/);
  });
});
