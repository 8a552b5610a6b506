import { randomUUID } from "node:crypto";
import {
  type JwksServer,
  generateSigningKey,
  signHs256,
  signLegacyApiKey,
  signWithKey,
  startJwksServer,
  unsignedToken,
} from "@s3ssions/testing";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainApi, JWT_SECRET, sessionInput, startDomainApi } from "../support.js";

let jwks: JwksServer;
let ctx: DomainApi;
let anonKey: string;
let serviceRoleKey: string;

const now = () => Math.floor(Date.now() / 1000);
/** An HS256 token issued by the API's own project (its SUPABASE_URL). */
const hs256 = (secret: string, claims?: Record<string, unknown>) =>
  signHs256(secret, claims, { supabaseUrl: jwks.url });

beforeAll(async () => {
  jwks = await startJwksServer();
  anonKey = await signLegacyApiKey(JWT_SECRET, "anon");
  serviceRoleKey = await signLegacyApiKey(JWT_SECRET, "service_role");
  ctx = await startDomainApi("auth", {
    SUPABASE_URL: jwks.url,
    SUPABASE_ANON_KEY: anonKey,
    SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
  });
});
afterAll(async () => {
  await ctx?.close();
  await jwks?.close();
});

/** Every protected procedure, called the way the SDK calls it over HTTP. */
const PROTECTED: [string, "GET" | "POST", unknown][] = [
  ["sessions.create", "POST", sessionInput()],
  ["sessions.update", "POST", { id: randomUUID(), title: "x" }],
  ["sessions.cancel", "POST", { id: randomUUID() }],
  ["bookings.create", "POST", { sessionId: randomUUID() }],
  ["bookings.cancel", "POST", { id: randomUUID() }],
  ["bookings.mine", "GET", {}],
];

async function call(procedure: string, method: "GET" | "POST", input: unknown, authorization?: string) {
  const body = JSON.stringify(superjson.serialize(input));
  const url =
    method === "GET"
      ? `${ctx.api.baseUrl}/api/trpc/${procedure}?input=${encodeURIComponent(body)}`
      : `${ctx.api.baseUrl}/api/trpc/${procedure}`;
  return fetch(url, {
    method,
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: method === "POST" ? body : undefined,
  });
}

const BAD_CREDENTIALS: [string, () => Promise<string | undefined>][] = [
  ["no Authorization header", async () => undefined],
  ["a malformed bearer", async () => "Bearer not.a.jwt"],
  ["another scheme", async () => `Basic ${Buffer.from("a:b").toString("base64")}`],
  ["alg: none", async () => `Bearer ${unsignedToken()}`],
  ["HS256 with the wrong secret", async () => `Bearer ${await hs256("another-secret-of-sufficient-length!!")}`],
  ["RS256 by a key outside the JWKS", async () => `Bearer ${await signWithKey(await generateSigningKey("RS256"))}`],
  ["an expired token", async () => `Bearer ${await hs256(JWT_SECRET, { exp: now() - 60, iat: now() - 3660 })}`],
  ["a not-yet-valid token", async () => `Bearer ${await hs256(JWT_SECRET, { nbf: now() + 600 })}`],
  ["the wrong audience", async () => `Bearer ${await hs256(JWT_SECRET, { aud: "anon" })}`],
  ["the anon key", async () => `Bearer ${anonKey}`],
  ["the service-role key", async () => `Bearer ${serviceRoleKey}`],
  // Signed with this project's secret and keys, issued by another project's Auth.
  ["HS256 from another project's issuer", async () => `Bearer ${await signHs256(JWT_SECRET, {}, { supabaseUrl: "https://other.supabase.co" })}`],
  ["RS256 from another project's issuer", async () => `Bearer ${await jwks.signRs256({ iss: "https://other.supabase.co/auth/v1" })}`],
];

describe("every protected procedure refuses every bad credential with 401", () => {
  for (const [label, credential] of BAD_CREDENTIALS) {
    it(`${label}`, async () => {
      const authorization = await credential();
      for (const [procedure, method, input] of PROTECTED) {
        const res = await call(procedure, method, input, authorization);
        const text = await res.text();
        expect({ procedure, status: res.status }).toEqual({ procedure, status: 401 });
        const body = JSON.parse(text);
        expect(body.error.json.data.code).toBe("UNAUTHORIZED");
        expect(text).not.toMatch(/at .*\(|node_modules|eyJ/);
      }
    });
  }
});

describe("valid tokens of every kind are accepted", () => {
  it.each([
    ["HS256 (project secret)", () => hs256(JWT_SECRET)],
    ["RS256 (JWKS)", () => jwks.signRs256()],
    ["ES256 (JWKS)", () => jwks.signEs256()],
  ])("%s", async (_, sign) => {
    const res = await call("bookings.mine", "GET", {}, `Bearer ${await sign()}`);
    expect(res.status).toBe(200);
  });

  it("a valid token of another user cannot touch someone else's session or booking", async () => {
    const host = await ctx.as();
    const owner = await ctx.as();
    const session = await host.api.sessions.create.mutate(sessionInput());
    const booking = await owner.api.bookings.create.mutate({ sessionId: session.id });
    const intruder = `Bearer ${await jwks.signRs256()}`;
    expect((await call("sessions.update", "POST", { id: session.id, title: "mine" }, intruder)).status).toBe(403);
    expect((await call("sessions.cancel", "POST", { id: session.id }, intruder)).status).toBe(403);
    expect((await call("bookings.cancel", "POST", { id: booking.id }, intruder)).status).toBe(403);
    expect((await ctx.anonymous.sessions.byId.query({ id: session.id })).status).toBe("scheduled");
  });
});

describe("anonymous sign-ins (is_anonymous) may read but not host or book", () => {
  const anonymousToken = () => jwks.signRs256({ is_anonymous: true, email: "" });

  it("sessions.create, sessions.update and bookings.create answer 403 with a clear message", async () => {
    const host = await ctx.as();
    const session = await host.api.sessions.create.mutate(sessionInput());
    const authorization = `Bearer ${await anonymousToken()}`;
    for (const [procedure, input] of [
      ["sessions.create", sessionInput()],
      ["sessions.update", { id: session.id, title: "taken over" }],
      ["bookings.create", { sessionId: session.id }],
    ] as const) {
      const res = await call(procedure, "POST", input, authorization);
      const body = JSON.parse(await res.text());
      expect({ procedure, status: res.status }).toEqual({ procedure, status: 403 });
      expect(body.error.json.message).toMatch(/^Anonymous sign-ins cannot (host sessions|book seats): sign in/);
    }
    const after = await ctx.anonymous.sessions.byId.query({ id: session.id });
    expect(after).toMatchObject({ title: session.title, confirmedCount: 0 });
  });

  it("reads are served: sessions.list, sessions.byId and its own bookings.mine", async () => {
    const authorization = `Bearer ${await anonymousToken()}`;
    expect((await call("sessions.list", "GET", {}, authorization)).status).toBe(200);
    expect((await call("bookings.mine", "GET", {}, authorization)).status).toBe(200);
  });

  it("ALLOW_ANONYMOUS_BOOKINGS=true lets them book (hosting stays refused)", async () => {
    const allowing = await startDomainApi("authanon", { SUPABASE_URL: jwks.url, ALLOW_ANONYMOUS_BOOKINGS: "true" });
    try {
      const host = await allowing.as();
      const session = await host.api.sessions.create.mutate(sessionInput());
      const authorization = `Bearer ${await anonymousToken()}`;
      const post = (procedure: string, input: unknown) =>
        fetch(`${allowing.baseUrl}/api/trpc/${procedure}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization },
          body: JSON.stringify(superjson.serialize(input)),
        });
      expect((await post("bookings.create", { sessionId: session.id })).status).toBe(200);
      expect((await post("sessions.create", sessionInput())).status).toBe(403);
    } finally {
      await allowing.close();
    }
  });
});
