import { createHmac, randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type JwksServer,
  generateSigningKey,
  signHs256,
  signWithKey,
  startJwksServer,
  unsignedToken,
  userClaims,
} from "@s3ssions/testing";
import { AuthUnavailableError, type AuthUser } from "../../src/auth/access-token.js";
import { expectInvalid, now, rejection, SECRET, verifier } from "./verifier.js";

// Asymmetric tokens (RS256, ES256) verified against the project's JWKS endpoint: its cache,
// key rotation, forgeries, algorithm confusion, and what happens when the endpoint fails.

/** A compact JWS with the given header, signed with HMAC-SHA256 over `secret` (any bytes). */
function hmacToken(header: Record<string, unknown>, claims: Record<string, unknown>, secret: string | Buffer): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${part(header)}.${part(claims)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

describe("asymmetric keys via the project's JWKS", () => {
  let jwks: JwksServer;

  beforeAll(async () => {
    jwks = await startJwksServer();
  });
  afterAll(async () => {
    await jwks.close();
  });
  afterEach(() => {
    jwks.setBehavior("serve");
  });

  it("accepts valid RS256 and ES256 tokens and fetches the JWKS once for many verifications", async () => {
    const verify = verifier({ SUPABASE_URL: jwks.url });
    const before = jwks.hits();
    const sub = randomUUID();
    await expect(verify(await jwks.signRs256({ sub }))).resolves.toMatchObject({ id: sub, role: "authenticated" });
    const ecSub = randomUUID();
    await expect(verify(await jwks.signEs256({ sub: ecSub }))).resolves.toMatchObject({ id: ecSub });
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? jwks.signRs256() : jwks.signEs256())),
    );
    const users = await Promise.all(tokens.map((token) => verify(token)));
    expect(users).toHaveLength(20);
    expect(jwks.hits() - before).toBe(1);
  });

  it("shares one fetch between concurrent first verifications", async () => {
    const verify = verifier({ SUPABASE_URL: jwks.url });
    const before = jwks.hits();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => jwks.signEs256()));
    await Promise.all(tokens.map((token) => verify(token)));
    expect(jwks.hits() - before).toBe(1);
  });

  it("accepts a SUPABASE_URL with a trailing slash", async () => {
    const verify = verifier({ SUPABASE_URL: `${jwks.url}/` });
    await expect(verify(await jwks.signRs256())).resolves.toMatchObject({ role: "authenticated" });
  });

  // jose's JWKS cache runs on the wall clock: every key and token is made before the clock
  // matters (RSA key generation alone can take seconds on a loaded machine), and the windows
  // are wide enough that a slow verification cannot cross them.
  it("re-fetches for an unknown kid (key rotation), but not within the cooldown", async () => {
    const cooldownMs = 1_500;
    const rotated = await generateSigningKey("ES256");
    const stranger = await generateSigningKey("RS256");
    const strangerTokens = await Promise.all(Array.from({ length: 5 }, () => signWithKey(stranger)));
    const [first, second] = [await jwks.signRs256(), await jwks.signRs256()];
    const verify = verifier({ SUPABASE_URL: jwks.url }, { jwksCooldownMs: cooldownMs });
    const token = await signWithKey(rotated, {}, { supabaseUrl: jwks.url });
    const start = jwks.hits();
    await verify(first);
    expect(jwks.hits() - start).toBe(1);
    jwks.addKey(rotated);
    try {
      // Just fetched: an unknown kid does not trigger a fetch yet.
      await expectInvalid(verify(token), "unknown_key");
      expect(jwks.hits() - start).toBe(1);

      await new Promise((resolve) => setTimeout(resolve, cooldownMs + 100));
      await expect(verify(token)).resolves.toMatchObject({ role: "authenticated" });
      expect(jwks.hits() - start).toBe(2);
      // The new set is cached: old and new keys verify without another fetch.
      await verify(token);
      await verify(second);
      expect(jwks.hits() - start).toBe(2);

      // A stream of unknown kids costs at most one fetch per cooldown.
      await new Promise((resolve) => setTimeout(resolve, cooldownMs + 100));
      for (const strangerToken of strangerTokens) {
        await expectInvalid(verify(strangerToken), "unknown_key");
      }
      expect(jwks.hits() - start).toBe(3);
    } finally {
      jwks.removeKey(rotated.kid);
    }
  });

  it("does not re-fetch for an unknown kid within the default cooldown", async () => {
    const known = await jwks.signEs256();
    const strangers = await Promise.all(
      Array.from({ length: 3 }, async () => signWithKey(await generateSigningKey("RS256"))),
    );
    const verify = verifier({ SUPABASE_URL: jwks.url });
    const start = jwks.hits();
    await verify(known);
    for (const stranger of strangers) {
      await expectInvalid(verify(stranger), "unknown_key");
    }
    expect(jwks.hits() - start).toBe(1);
  });

  it("re-fetches once the cache is older than its max age", async () => {
    const maxAgeMs = 1_000;
    const [first, second, third] = [await jwks.signRs256(), await jwks.signRs256(), await jwks.signRs256()];
    const verify = verifier({ SUPABASE_URL: jwks.url }, { jwksCacheMaxAgeMs: maxAgeMs });
    const start = jwks.hits();
    await verify(first);
    await verify(second);
    expect(jwks.hits() - start).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, maxAgeMs + 100));
    await verify(third);
    expect(jwks.hits() - start).toBe(2);
  });

  it("rejects a token signed by a key that is not in the JWKS", async () => {
    const verify = verifier({ SUPABASE_URL: jwks.url });
    const outsider = await generateSigningKey("RS256");
    await expectInvalid(verify(await signWithKey(outsider)), "unknown_key");
    // Same kid as a served key, different private key: a forgery.
    const forged = await generateSigningKey("RS256", jwks.rs256.kid);
    await expectInvalid(verify(await signWithKey(forged, {}, { supabaseUrl: jwks.url })), "signature");
    const forgedEc = await generateSigningKey("ES256", jwks.es256.kid);
    await expectInvalid(verify(await signWithKey(forgedEc)), "signature");
    // A served key's kid with the other algorithm does not match it.
    await expectInvalid(verify(await jwks.signEs256({}, { header: { kid: jwks.rs256.kid } })), "unknown_key");
  });

  it("checks the claims of asymmetric tokens too", async () => {
    const verify = verifier({ SUPABASE_URL: jwks.url });
    const expired = await rejection(verify(await jwks.signEs256({ exp: now() - 60 })));
    expect(expired.message).toBe("Access token expired");
    await expectInvalid(verify(await jwks.signRs256({ aud: "other" })), "claim:aud:check_failed");
    await expectInvalid(verify(await jwks.signRs256({ nbf: now() + 600 })), "claim:nbf:check_failed");
    await expectInvalid(verify(await jwks.signEs256({ role: "service_role" })), "role");
    await expectInvalid(verify(await jwks.signEs256({ sub: "not-a-uuid" })), "sub");
  });

  describe("algorithm confusion", () => {
    it("rejects an HS256 token signed with the RSA public key when only the JWKS is configured", async () => {
      const verify = verifier({ SUPABASE_URL: jwks.url });
      const pem = jwks.rs256.publicKeyPem;
      await expectInvalid(
        verify(await signHs256(pem, {}, { header: { kid: jwks.rs256.kid } })),
        "hs256_not_configured",
      );
      await expectInvalid(verify(await signHs256(JSON.stringify(jwks.rs256.publicJwk))), "hs256_not_configured");
    });

    it("rejects an HS256 token signed with the RSA public key when a JWT secret is configured too", async () => {
      const verify = verifier({ SUPABASE_URL: jwks.url, SUPABASE_JWT_SECRET: SECRET });
      await expect(verify(await signHs256(SECRET, {}, { supabaseUrl: jwks.url }))).resolves.toMatchObject({
        role: "authenticated",
      });
      await expect(verify(await jwks.signRs256())).resolves.toMatchObject({ role: "authenticated" });
      await expectInvalid(
        verify(await signHs256(jwks.rs256.publicKeyPem, {}, { header: { kid: jwks.rs256.kid } })),
        "signature",
      );
    });

    it("rejects a token whose header says RS256 but whose signature is an HMAC", async () => {
      const verify = verifier({ SUPABASE_URL: jwks.url, SUPABASE_JWT_SECRET: SECRET });
      const header = { alg: "RS256", typ: "JWT", kid: jwks.rs256.kid };
      const claims = userClaims({}, jwks.url);
      await expectInvalid(verify(hmacToken(header, claims, jwks.rs256.publicKeyPem)), "signature");
      await expectInvalid(verify(hmacToken(header, claims, SECRET)), "signature");
    });
  });

  describe("when the JWKS endpoint fails", () => {
    async function expectUnavailable(promise: Promise<AuthUser>, withinMs: number): Promise<void> {
      const started = performance.now();
      const error = await rejection(promise);
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(AuthUnavailableError);
      expect(error.message).toBe("Could not verify access token");
      expect(error.reason).toBe("jwks_unavailable");
      expect(elapsed).toBeLessThan(withinMs);
    }

    it("answers 'could not verify' quickly when the endpoint hangs (fetch timeout)", async () => {
      const verify = verifier({ SUPABASE_URL: jwks.url });
      jwks.setBehavior("hang");
      await expectUnavailable(verify(await jwks.signRs256()), 2_000);
      // Once it answers again, the same verifier recovers without a restart.
      jwks.setBehavior("serve");
      await expect(verify(await jwks.signRs256())).resolves.toMatchObject({ role: "authenticated" });
    });

    it("answers 'could not verify' when the endpoint returns an error", async () => {
      jwks.setBehavior("error");
      await expectUnavailable(verifier({ SUPABASE_URL: jwks.url })(await jwks.signEs256()), 2_000);
    });

    it("answers 'could not verify' when nothing listens, and HS256 keeps working", async () => {
      const down = await startJwksServer();
      const token = await down.signRs256();
      await down.close();
      const verify = verifier({ SUPABASE_URL: down.url, SUPABASE_JWT_SECRET: SECRET });
      await expectUnavailable(verify(token), 2_000);
      await expect(verify(await signHs256(SECRET, {}, { supabaseUrl: down.url }))).resolves.toMatchObject({
        role: "authenticated",
      });
    });

    it("keeps verifying with the last good key set while refreshes fail, until it is an hour stale", async () => {
      let clock = Date.now();
      const verify = verifier(
        { SUPABASE_URL: jwks.url },
        { jwksCacheMaxAgeMs: 50, jwksCooldownMs: 1_000, now: () => clock },
      );
      await expect(verify(await jwks.signRs256())).resolves.toMatchObject({ role: "authenticated" });
      jwks.setBehavior("error");
      await new Promise((resolve) => setTimeout(resolve, 80)); // jose's cache is now past its max age
      const hits = jwks.hits();
      await expect(verify(await jwks.signRs256())).resolves.toMatchObject({ role: "authenticated" });
      expect(jwks.hits()).toBe(hits + 1); // the refresh was tried, and failed
      // Within the cooldown the endpoint is not asked again: no request waits on it.
      await expect(verify(await jwks.signEs256())).resolves.toMatchObject({ role: "authenticated" });
      expect(jwks.hits()).toBe(hits + 1);
      // A key the last good set never had is still unknown.
      await expectInvalid(verify(await signWithKey(await generateSigningKey("RS256"))), "unknown_key");
      // Past an hour without a successful refresh, the old keys stop serving.
      clock = Date.now() + 60 * 60_000 + 1_000;
      await expectUnavailable(verify(await jwks.signRs256()), 2_000);
      jwks.setBehavior("serve");
      await expect(verify(await jwks.signRs256())).resolves.toMatchObject({ role: "authenticated" });
    });

    it("still rejects invalid tokens as invalid, not as unavailable", async () => {
      jwks.setBehavior("hang");
      const verify = verifier({ SUPABASE_URL: jwks.url });
      // Decided before any key is needed: no fetch, no wait.
      const started = performance.now();
      await expectInvalid(verify(unsignedToken()), "alg_not_allowed");
      await expectInvalid(verify("garbage"), "malformed");
      expect(performance.now() - started).toBeLessThan(500);
    });
  });
});
