import { randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  generateSigningKey,
  signHs256,
  signLegacyApiKey,
  signWithKey,
  unsignedToken,
  userClaims,
} from "@s3ssions/testing";
import { expectInvalid, now, rejection, SECRET, verifier } from "./verifier.js";

// Tokens signed with the project's legacy JWT secret (HS256), and what else the verifier
// refuses whatever the key: API keys, garbage, alg none, other algorithms.

describe("HS256 (legacy JWT secret)", () => {
  const verify = verifier({ SUPABASE_JWT_SECRET: SECRET });

  it("accepts a valid user token and returns the user from its claims", async () => {
    const sub = randomUUID();
    const sessionId = randomUUID();
    const token = await signHs256(SECRET, { sub, email: "ada@example.com", session_id: sessionId });
    await expect(verify(token)).resolves.toEqual({
      id: sub,
      email: "ada@example.com",
      role: "authenticated",
      sessionId,
      isAnonymous: false,
    });
  });

  it("normalises the user id to lower case and maps missing email / anonymous users", async () => {
    const sub = randomUUID();
    const token = await signHs256(SECRET, {
      sub: sub.toUpperCase(),
      email: "",
      is_anonymous: true,
      session_id: undefined,
    });
    await expect(verify(token)).resolves.toEqual({
      id: sub,
      email: null,
      role: "authenticated",
      sessionId: null,
      isAnonymous: true,
    });
  });

  it("rejects a token signed with another secret", async () => {
    await expectInvalid(verify(await signHs256(`${SECRET}x`)), "signature");
  });

  it("rejects an expired token as expired, but tolerates 5 s of clock skew", async () => {
    const error = await rejection(verify(await signHs256(SECRET, { iat: now() - 3600, exp: now() - 30 })));
    expect(error.message).toBe("Access token expired");
    expect(error.reason).toBe("expired");
    await expect(verify(await signHs256(SECRET, { exp: now() - 2 }))).resolves.toMatchObject({ role: "authenticated" });
  });

  it("rejects a token without exp", async () => {
    await expectInvalid(verify(await signHs256(SECRET, { exp: undefined })), "claim:exp:missing");
  });

  it("rejects a token that is not valid yet (nbf in the future)", async () => {
    await expectInvalid(verify(await signHs256(SECRET, { nbf: now() + 60 })), "claim:nbf:check_failed");
    await expect(verify(await signHs256(SECRET, { nbf: now() + 2 }))).resolves.toMatchObject({ role: "authenticated" });
  });

  it("rejects a wrong or missing audience", async () => {
    await expectInvalid(verify(await signHs256(SECRET, { aud: "anon" })), "claim:aud:check_failed");
    await expectInvalid(verify(await signHs256(SECRET, { aud: ["other", "service"] })), "claim:aud:check_failed");
    await expectInvalid(verify(await signHs256(SECRET, { aud: undefined })), "claim:aud:missing");
  });

  it("rejects a missing or non-UUID sub", async () => {
    await expectInvalid(verify(await signHs256(SECRET, { sub: undefined })), "claim:sub:missing");
    await expectInvalid(verify(await signHs256(SECRET, { sub: "user-123" })), "sub");
    await expectInvalid(verify(await signHs256(SECRET, { sub: `${randomUUID()}x` })), "sub");
  });

  it("rejects the anon and service_role roles, and a missing role", async () => {
    await expectInvalid(verify(await signHs256(SECRET, { role: "anon" })), "role");
    await expectInvalid(verify(await signHs256(SECRET, { role: "service_role" })), "role");
    await expectInvalid(verify(await signHs256(SECRET, { role: undefined })), "role");
  });

  it("never accepts the project's anon or service-role key", async () => {
    const anonKey = await signLegacyApiKey(SECRET, "anon");
    const serviceRoleKey = await signLegacyApiKey(SECRET, "service_role");
    const withKeys = verifier({
      SUPABASE_JWT_SECRET: SECRET,
      SUPABASE_ANON_KEY: anonKey,
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
    });
    // Matched as the configured keys, before any claim is read.
    await expectInvalid(withKeys(anonKey), "api_key");
    await expectInvalid(withKeys(serviceRoleKey), "api_key");
    // And by their claims, were they not configured (no aud, no sub, role anon/service_role).
    await expectInvalid(verify(anonKey), /^claim:/);
    await expectInvalid(verify(serviceRoleKey), /^claim:/);
    // API keys shaped like a user token still fail on their role.
    await expectInvalid(verify(await signHs256(SECRET, { role: "service_role", iss: "supabase" })), "role");
  });

  it("rejects a configured API key by comparing the raw token, whatever its claims", async () => {
    // A token that would pass every claim check on its own...
    const token = await signHs256(SECRET);
    await expect(verify(token)).resolves.toMatchObject({ role: "authenticated" });
    // ...is refused once it is the project's anon or service-role key.
    await expectInvalid(verifier({ SUPABASE_JWT_SECRET: SECRET, SUPABASE_ANON_KEY: token })(token), "api_key");
    await expectInvalid(verifier({ SUPABASE_JWT_SECRET: SECRET, SUPABASE_SERVICE_ROLE_KEY: token })(token), "api_key");
    // New-style (non-JWT) keys are refused too.
    const secretKey = `sb_secret_${randomBytes(24).toString("base64url")}`;
    await expectInvalid(
      verifier({ SUPABASE_JWT_SECRET: SECRET, SUPABASE_SERVICE_ROLE_KEY: secretKey })(secretKey),
      "api_key",
    );
  });

  it("rejects no token and garbage", async () => {
    for (const garbage of [
      "",
      "abc",
      "a.b",
      "a.b.c",
      "....",
      "Bearer x.y.z",
      "eyJhbGciOiJIUzI1NiJ9.e30",
      "x".repeat(20_000),
    ]) {
      await expectInvalid(verify(garbage), "malformed");
    }
    await expectInvalid(verify(undefined as unknown as string), "malformed");
  });

  it("rejects alg none, whatever the casing and even with a signature", async () => {
    await expectInvalid(verify(unsignedToken()), "alg_not_allowed");
    await expectInvalid(verify(unsignedToken({}, { alg: "None", typ: "JWT" })), "alg_not_allowed");
    await expectInvalid(verify(unsignedToken({}, { typ: "JWT" })), "alg_not_allowed");
    const signed = await signHs256(SECRET);
    const [, payload, signature] = signed.split(".");
    const noneHeader = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    await expectInvalid(verify(`${noneHeader}.${payload}.${signature}`), "alg_not_allowed");
  });

  it("rejects other HMAC algorithms signed with the right secret", async () => {
    const token = await new SignJWT(userClaims())
      .setProtectedHeader({ alg: "HS512", typ: "JWT" })
      .sign(new TextEncoder().encode(SECRET));
    await expectInvalid(verify(token), "alg_not_allowed");
  });

  it("rejects an asymmetric token when SUPABASE_URL is not configured", async () => {
    const key = await generateSigningKey("RS256");
    await expectInvalid(verify(await signWithKey(key)), "jwks_not_configured");
    const ec = await generateSigningKey("ES256");
    await expectInvalid(verify(await signWithKey(ec)), "jwks_not_configured");
  });

  it("rejects everything when nothing is configured", async () => {
    const nothing = verifier({});
    await expectInvalid(nothing(await signHs256(SECRET)), "hs256_not_configured");
    await expectInvalid(nothing(await signWithKey(await generateSigningKey("ES256"))), "jwks_not_configured");
  });
});
