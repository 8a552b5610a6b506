import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JwksServer, signHs256, startJwksServer } from "@s3ssions/testing";
import type { AuthUser } from "../../src/auth/access-token.js";
import { createVerifiedTokens } from "../../src/auth/verified-tokens.js";
import { expectInvalid, now, SECRET, verifier } from "./verifier.js";

// The instance's memory of tokens it verified: a repeat token skips the signature check,
// and answers exactly what verifying it again would (expiry, refusals, other tokens).

const user = (id = randomUUID()): AuthUser => ({
  id,
  email: null,
  role: "authenticated",
  sessionId: null,
  isAnonymous: false,
});

describe("verified tokens (the store)", () => {
  it("answers a kept token until it expires, then forgets it", () => {
    let clock = 1_000_000;
    const tokens = createVerifiedTokens({ maxEntries: 10, maxAgeMs: 60_000, now: () => clock });
    const ada = user();
    tokens.set("t1", ada, clock + 5_000);
    expect(tokens.get("t1")).toEqual(ada);
    clock += 4_999;
    expect(tokens.get("t1")).toEqual(ada);
    clock += 1;
    expect(tokens.get("t1")).toBeUndefined();
  });

  it("trusts an entry for the maximum age at most, however late the token expires", () => {
    let clock = 0;
    const tokens = createVerifiedTokens({ maxEntries: 10, maxAgeMs: 60_000, now: () => clock });
    tokens.set("t1", user(), 3_600_000);
    clock = 59_999;
    expect(tokens.get("t1")).toBeDefined();
    clock = 60_000;
    expect(tokens.get("t1")).toBeUndefined();
  });

  it("keeps nothing already expired, and nothing at all with maxEntries 0", () => {
    const clock = 10_000;
    const tokens = createVerifiedTokens({ maxEntries: 10, maxAgeMs: 60_000, now: () => clock });
    tokens.set("t1", user(), clock);
    expect(tokens.get("t1")).toBeUndefined();
    const none = createVerifiedTokens({ maxEntries: 0, maxAgeMs: 60_000, now: () => clock });
    none.set("t1", user(), clock + 1_000);
    expect(none.get("t1")).toBeUndefined();
  });

  it("is bounded: past maxEntries the least recently kept token goes first", () => {
    const tokens = createVerifiedTokens({ maxEntries: 2, maxAgeMs: 60_000, now: () => 0 });
    tokens.set("a", user(), 1_000);
    tokens.set("b", user(), 1_000);
    tokens.set("a", user(), 1_000); // kept again: now the newest
    tokens.set("c", user(), 1_000);
    expect(tokens.get("b")).toBeUndefined();
    expect(tokens.get("a")).toBeDefined();
    expect(tokens.get("c")).toBeDefined();
  });

  it("hands out copies: a caller changing its user changes nobody else's", () => {
    const tokens = createVerifiedTokens({ maxEntries: 10, maxAgeMs: 60_000, now: () => 0 });
    const ada = user();
    tokens.set("t1", ada, 1_000);
    ada.email = "changed@example.com";
    const first = tokens.get("t1") as AuthUser;
    expect(first.email).toBeNull();
    first.id = "someone-else";
    expect(tokens.get("t1")?.id).not.toBe("someone-else");
  });
});

describe("verified tokens (in the verifier)", () => {
  let jwks: JwksServer;
  beforeAll(async () => {
    jwks = await startJwksServer();
  });
  afterAll(async () => {
    await jwks.close();
  });

  it("answers a repeat token without verifying it again: no JWKS refresh even once the key set is due", async () => {
    const verify = verifier({ SUPABASE_URL: jwks.url }, { jwksCacheMaxAgeMs: 50, jwksCooldownMs: 1_000 });
    const token = await jwks.signRs256();
    const first = await verify(token);
    await new Promise((resolve) => setTimeout(resolve, 80)); // jose's key set is now past its max age
    const hits = jwks.hits();
    await expect(verify(token)).resolves.toEqual(first);
    expect(jwks.hits()).toBe(hits);
    // Another token is verified: its key lookup refreshes the due key set.
    await verify(await jwks.signRs256());
    expect(jwks.hits()).toBe(hits + 1);
  });

  it("forgets a remembered token when it expires (past the clock tolerance): the next call verifies it again", async () => {
    let clock = Date.now();
    const verify = verifier(
      { SUPABASE_URL: jwks.url },
      { jwksCacheMaxAgeMs: 50, jwksCooldownMs: 1_000, now: () => clock },
    );
    const token = await jwks.signRs256({ exp: now() + 10 });
    await verify(token);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const hits = jwks.hits();
    clock += 14_000; // before exp + 5 s: still remembered
    await verify(token);
    expect(jwks.hits()).toBe(hits);
    clock += 2_000; // past exp + 5 s on the verifier's clock: verified again (the key set, due, is fetched)
    await verify(token);
    expect(jwks.hits()).toBe(hits + 1);
  });

  it("never remembers a refusal, and tells two users' tokens apart", async () => {
    const verify = verifier({ SUPABASE_JWT_SECRET: SECRET });
    const forged = await signHs256(`${SECRET}x`);
    await expectInvalid(verify(forged), "signature");
    await expectInvalid(verify(forged), "signature");
    const [a, b] = [randomUUID(), randomUUID()];
    const tokenA = await signHs256(SECRET, { sub: a });
    const tokenB = await signHs256(SECRET, { sub: b });
    expect((await verify(tokenA)).id).toBe(a);
    expect((await verify(tokenB)).id).toBe(b);
    expect((await verify(tokenA)).id).toBe(a);
    // A token differing from a remembered one in its signature alone is checked, and refused.
    const tampered = `${tokenA.slice(0, -2)}${tokenA.endsWith("AA") ? "BB" : "AA"}`;
    await expectInvalid(verify(tampered), "signature");
  });
});
