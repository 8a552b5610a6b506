import { describe, expect, it } from "vitest";
import { signHs256 } from "@s3ssions/testing";
import { expectInvalid, SECRET, verifier } from "./verifier.js";

// The token's issuer must be the project's own (or SUPABASE_JWT_ISSUER), whatever the signature.

describe("issuer pinning", () => {
  const URL_ = "https://ref.supabase.co";

  it("accepts the project's issuer and refuses another project's, whatever the signature", async () => {
    const verify = verifier({ SUPABASE_JWT_SECRET: SECRET, SUPABASE_URL: `${URL_}/` });
    await expect(verify(await signHs256(SECRET, {}, { supabaseUrl: URL_ }))).resolves.toMatchObject({
      role: "authenticated",
    });
    await expectInvalid(
      verify(await signHs256(SECRET, {}, { supabaseUrl: "https://other.supabase.co" })),
      /^claim:iss/,
    );
    await expectInvalid(verify(await signHs256(SECRET, { iss: undefined }, { supabaseUrl: URL_ })), /^claim:iss/);
  });

  it("SUPABASE_JWT_ISSUER overrides it for a custom domain", async () => {
    const verify = verifier({
      SUPABASE_JWT_SECRET: SECRET,
      SUPABASE_URL: URL_,
      SUPABASE_JWT_ISSUER: "https://auth.example.com/auth/v1",
    });
    await expect(
      verify(await signHs256(SECRET, {}, { supabaseUrl: "https://auth.example.com" })),
    ).resolves.toBeTruthy();
    await expectInvalid(verify(await signHs256(SECRET, {}, { supabaseUrl: URL_ })), /^claim:iss/);
  });
});
