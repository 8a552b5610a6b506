import { randomUUID } from "node:crypto";
import {
  generateSigningKey,
  type JwksServer,
  signHs256,
  signLegacyApiKey,
  signWithKey,
  startJwksServer,
  unsignedToken,
} from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Caller, failure, JWT_SECRET, type Procedures, sessionInput, startProcedures } from "./procedures.js";

// Every protected procedure against every kind of credential, in-process: the token
// checks live in `protectedProcedure` and the verifier, not in the HTTP edge.

let jwks: JwksServer;
let p: Procedures;
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
  p = await startProcedures("protected", {
    SUPABASE_URL: jwks.url,
    SUPABASE_ANON_KEY: anonKey,
    SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
  });
});
afterAll(async () => {
  await p?.close();
  await jwks?.close();
});

/** Every protected procedure, with an input it would accept. */
const PROTECTED: [string, (api: Caller) => Promise<unknown>][] = [
  ["sessions.create", (api) => api.sessions.create(sessionInput())],
  ["sessions.update", (api) => api.sessions.update({ id: randomUUID(), title: "x" })],
  ["sessions.cancel", (api) => api.sessions.cancel({ id: randomUUID() })],
  ["bookings.create", (api) => api.bookings.create({ sessionId: randomUUID() })],
  ["bookings.cancel", (api) => api.bookings.cancel({ id: randomUUID() })],
  ["bookings.mine", (api) => api.bookings.mine({})],
];

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
  [
    "HS256 from another project's issuer",
    async () => `Bearer ${await signHs256(JWT_SECRET, {}, { supabaseUrl: "https://other.supabase.co" })}`,
  ],
  [
    "RS256 from another project's issuer",
    async () => `Bearer ${await jwks.signRs256({ iss: "https://other.supabase.co/auth/v1" })}`,
  ],
];

describe("security: every protected procedure refuses every bad credential with 401", () => {
  for (const [label, credential] of BAD_CREDENTIALS) {
    it(`${label}`, async () => {
      const authorization = await credential();
      const api = p.withHeaders(authorization ? { authorization } : {});
      for (const [procedure, call] of PROTECTED) {
        const error = await failure(call(api));
        expect({ procedure, code: error.data.code }).toEqual({ procedure, code: "UNAUTHORIZED" });
        expect(JSON.stringify(error)).not.toMatch(/at .*\(|node_modules|eyJ/);
      }
    });
  }
});

describe("happy: valid tokens of every kind are accepted", () => {
  it.each([
    ["HS256 (project secret)", () => hs256(JWT_SECRET)],
    ["RS256 (JWKS)", () => jwks.signRs256()],
    ["ES256 (JWKS)", () => jwks.signEs256()],
  ])("%s", async (_, sign) => {
    const api = p.withHeaders({ authorization: `Bearer ${await sign()}` });
    expect(await api.bookings.mine({})).toEqual({ items: [], nextCursor: null });
  });
});

describe("security: a valid token of another user", () => {
  it("cannot touch someone else's session or booking", async () => {
    const host = await p.as();
    const owner = await p.as();
    const session = await host.api.sessions.create(sessionInput());
    const booking = await owner.api.bookings.create({ sessionId: session.id });
    const intruder = p.withHeaders({ authorization: `Bearer ${await jwks.signRs256()}` });
    expect((await failure(intruder.sessions.update({ id: session.id, title: "mine" }))).data.code).toBe("FORBIDDEN");
    expect((await failure(intruder.sessions.cancel({ id: session.id }))).data.code).toBe("FORBIDDEN");
    expect((await failure(intruder.bookings.cancel({ id: booking.id }))).data.code).toBe("FORBIDDEN");
    expect((await p.anonymous.sessions.byId({ id: session.id })).status).toBe("scheduled");
  });
});

describe("security: anonymous sign-ins (is_anonymous) may read but not host or book", () => {
  const anonymousCaller = async () =>
    p.withHeaders({ authorization: `Bearer ${await jwks.signRs256({ is_anonymous: true, email: "" })}` });

  it("sessions.create, sessions.update and bookings.create answer 403 with a clear message", async () => {
    const host = await p.as();
    const session = await host.api.sessions.create(sessionInput());
    const api = await anonymousCaller();
    for (const [procedure, call] of [
      ["sessions.create", () => api.sessions.create(sessionInput())],
      ["sessions.update", () => api.sessions.update({ id: session.id, title: "taken over" })],
      ["bookings.create", () => api.bookings.create({ sessionId: session.id })],
    ] as const) {
      const error = await failure(call());
      expect({ procedure, status: error.data.httpStatus }).toEqual({ procedure, status: 403 });
      expect(error.message).toMatch(/^Anonymous sign-ins cannot (host sessions|book seats): sign in/);
    }
    expect(await p.anonymous.sessions.byId({ id: session.id })).toMatchObject({
      title: session.title,
      confirmedCount: 0,
    });
  });

  it("reads are served: sessions.list and its own bookings.mine", async () => {
    const api = await anonymousCaller();
    expect(Array.isArray((await api.sessions.list({})).items)).toBe(true);
    expect(await api.bookings.mine({})).toEqual({ items: [], nextCursor: null });
  });

  it("ALLOW_ANONYMOUS_BOOKINGS=true lets them book (hosting stays refused)", async () => {
    const allowing = await startProcedures("protected_anon", {
      SUPABASE_URL: jwks.url,
      ALLOW_ANONYMOUS_BOOKINGS: "true",
    });
    try {
      const host = await allowing.as();
      const session = await host.api.sessions.create(sessionInput());
      const api = allowing.withHeaders({
        authorization: `Bearer ${await jwks.signRs256({ is_anonymous: true, email: "" })}`,
      });
      expect((await api.bookings.create({ sessionId: session.id })).status).toBe("confirmed");
      expect((await failure(api.sessions.create(sessionInput()))).data.httpStatus).toBe(403);
    } finally {
      await allowing.close();
    }
  });
});
