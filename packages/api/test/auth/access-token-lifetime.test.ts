import { signHs256 } from "@s3ssions/testing";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../src/env.js";
import { expectInvalid, now, SECRET, verifier } from "./verifier.js";

// A token's times: issued now or in the past (within the clock tolerance), and alive no
// longer than SUPABASE_JWT_MAX_LIFETIME_SEC (default a week, Supabase's own maximum).

const YEAR = 365 * 24 * 3600;
const WEEK = 7 * 24 * 3600;

describe("access token times", () => {
  const verify = verifier({ SUPABASE_JWT_SECRET: SECRET });

  it("refuses a token issued in the future beyond the clock tolerance", async () => {
    await expectInvalid(verify(await signHs256(SECRET, { iat: now() + YEAR, exp: now() + YEAR + 3600 })), /iat/);
    await expectInvalid(verify(await signHs256(SECRET, { iat: now() + 60, exp: now() + 3600 })), /iat/);
  });

  it("tolerates the clock skew on iat", async () => {
    await expect(verify(await signHs256(SECRET, { iat: now() + 2, exp: now() + 3600 }))).resolves.toMatchObject({
      role: "authenticated",
    });
  });

  it("refuses a token whose lifetime exceeds the maximum: the probe's 50-year token, and one without iat", async () => {
    await expectInvalid(verify(await signHs256(SECRET, { iat: now() + YEAR, exp: now() + 50 * YEAR })), /iat|lifetime/);
    await expectInvalid(verify(await signHs256(SECRET, { iat: now(), exp: now() + 50 * YEAR })), "lifetime");
    await expectInvalid(verify(await signHs256(SECRET, { iat: undefined, exp: now() + 50 * YEAR })), "lifetime");
    await expectInvalid(verify(await signHs256(SECRET, { iat: now(), exp: now() + WEEK + 60 })), "lifetime");
  });

  it("accepts Supabase's longest lifetime (a week) by default, and what SUPABASE_JWT_MAX_LIFETIME_SEC allows", async () => {
    await expect(verify(await signHs256(SECRET, { iat: now(), exp: now() + WEEK }))).resolves.toBeTruthy();
    const strict = verifier({ SUPABASE_JWT_SECRET: SECRET, SUPABASE_JWT_MAX_LIFETIME_SEC: "3600" });
    await expect(strict(await signHs256(SECRET, { iat: now(), exp: now() + 3600 }))).resolves.toBeTruthy();
    await expectInvalid(strict(await signHs256(SECRET, { iat: now(), exp: now() + 7200 })), "lifetime");
  });

  it("SUPABASE_JWT_MAX_LIFETIME_SEC is a whole number of seconds", () => {
    const base = { APP_ENV: "test", SUPABASE_DB_URL_TRANSACTION: "postgresql://u:p@127.0.0.1:6543/db?pgbouncer=true" };
    expect(parseEnv(base).SUPABASE_JWT_MAX_LIFETIME_SEC).toBe(WEEK);
    expect(parseEnv({ ...base, SUPABASE_JWT_MAX_LIFETIME_SEC: "86400" }).SUPABASE_JWT_MAX_LIFETIME_SEC).toBe(86400);
    for (const bad of ["0", "-1", "1.5", "a week"]) {
      expect(() => parseEnv({ ...base, SUPABASE_JWT_MAX_LIFETIME_SEC: bad })).toThrow(/SUPABASE_JWT_MAX_LIFETIME_SEC/);
    }
  });
});
