import { randomUUID } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTHeaderParameters,
  SignJWT,
} from "jose";

/**
 * Supabase-shaped tokens for tests: user access tokens signed with HS256 (legacy JWT
 * secret) or with RS256/ES256 keys served from a real loopback JWKS endpoint.
 */

/** SUPABASE_URL used in `iss` when a test does not name one (the Supabase CLI's local URL). */
export const LOCAL_SUPABASE_URL = "http://127.0.0.1:54321";

/** Claims to merge over the defaults; a claim set to `undefined` is removed from the token. */
export type TokenClaims = Record<string, unknown>;

export interface TokenSignOptions {
  /** Header fields merged over the defaults (`alg` is always the signing algorithm). */
  header?: Partial<JWTHeaderParameters>;
  /** Used for `iss` (`${supabaseUrl}/auth/v1`). */
  supabaseUrl?: string;
}

/** The claims Supabase Auth puts in a password-session access token for an email user. */
export function userClaims(overrides: TokenClaims = {}, supabaseUrl = LOCAL_SUPABASE_URL): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: `${supabaseUrl.replace(/\/+$/, "")}/auth/v1`,
    sub: randomUUID(),
    aud: "authenticated",
    exp: now + 3600,
    iat: now,
    email: "user@example.com",
    phone: "",
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: { email_verified: true },
    role: "authenticated",
    aal: "aal1",
    amr: [{ method: "password", timestamp: now }],
    session_id: randomUUID(),
    is_anonymous: false,
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[key];
    else claims[key] = value;
  }
  return claims;
}

async function sign(
  alg: string,
  key: CryptoKey | Uint8Array,
  claims: TokenClaims | undefined,
  options: TokenSignOptions | undefined,
  defaultHeader: Partial<JWTHeaderParameters>,
): Promise<string> {
  const payload = userClaims(claims, options?.supabaseUrl);
  return new SignJWT(payload).setProtectedHeader({ ...defaultHeader, ...options?.header, alg }).sign(key);
}

/** A Supabase user access token signed with a project's legacy JWT secret (HS256). */
export function signHs256(secret: string, claims?: TokenClaims, options?: TokenSignOptions): Promise<string> {
  return sign("HS256", new TextEncoder().encode(secret), claims, options, { typ: "JWT" });
}

/**
 * A legacy Supabase API key (anon or service_role): an HS256 JWT signed with the project's
 * JWT secret, with Supabase's claims (`iss: supabase`, `ref`, `role`, ten-year `exp`).
 */
export function signLegacyApiKey(secret: string, role: "anon" | "service_role", ref = "localproject"): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: "supabase", ref, role, iat: now, exp: now + 10 * 365 * 24 * 3600 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

/** An unsigned token (`alg: none` unless the header says otherwise), hand-assembled. */
export function unsignedToken(
  claims?: TokenClaims,
  header: Record<string, unknown> = { alg: "none", typ: "JWT" },
): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part(header)}.${part(userClaims(claims))}.`;
}

export interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** SPKI PEM of the public key (handy for alg-confusion tests). */
  publicKeyPem: string;
}

/** A fresh signing key, not served by any JWKS unless added to one. */
export async function generateSigningKey(alg: "RS256" | "ES256", kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig", key_ops: ["verify"] };
  return { kid, alg, privateKey, publicJwk, publicKeyPem: await exportSPKI(publicKey) };
}

/** Signs a Supabase user access token with `key` (header `kid` = the key's kid unless overridden). */
export function signWithKey(key: SigningKey, claims?: TokenClaims, options?: TokenSignOptions): Promise<string> {
  return sign(key.alg, key.privateKey, claims, options, { typ: "JWT", kid: key.kid });
}

export type JwksBehavior = "serve" | "hang" | "error";

export interface JwksServer {
  /** Use as SUPABASE_URL: the JWKS is at `${url}/auth/v1/.well-known/jwks.json`. */
  url: string;
  rs256: SigningKey;
  es256: SigningKey;
  signRs256(claims?: TokenClaims, options?: TokenSignOptions): Promise<string>;
  signEs256(claims?: TokenClaims, options?: TokenSignOptions): Promise<string>;
  /** Requests to the JWKS path so far. */
  hits(): number;
  /** Keys currently served. */
  keys(): SigningKey[];
  /** Starts serving `key` too (key rotation: publish the new key next to the old ones). */
  addKey(key: SigningKey): void;
  /** Stops serving the key with this kid (revocation). */
  removeKey(kid: string): void;
  /** "serve" (default), "hang" (accept and never answer) or "error" (HTTP 500). */
  setBehavior(behavior: JwksBehavior): void;
  close(): Promise<void>;
}

const JWKS_PATH = "/auth/v1/.well-known/jwks.json";

/** A real HTTP JWKS endpoint on 127.0.0.1 (random port) serving a fresh RS256 and ES256 key. */
export async function startJwksServer(): Promise<JwksServer> {
  const [rs256, es256] = await Promise.all([generateSigningKey("RS256"), generateSigningKey("ES256")]);
  const served = new Map<string, SigningKey>([
    [rs256.kid, rs256],
    [es256.kid, es256],
  ]);
  let behavior: JwksBehavior = "serve";
  let hits = 0;
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (request.method !== "GET" || path !== JWKS_PATH) {
      response.writeHead(404).end();
      return;
    }
    hits += 1;
    if (behavior === "hang") {
      hanging.add(response);
      response.on("close", () => hanging.delete(response));
      return;
    }
    if (behavior === "error") {
      response.writeHead(500, { "content-type": "application/json" }).end('{"error":"internal"}');
      return;
    }
    const body = JSON.stringify({ keys: [...served.values()].map((key) => key.publicJwk) });
    response.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=600" }).end(body);
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    rs256,
    es256,
    signRs256: (claims, options) => signWithKey(rs256, claims, { supabaseUrl: url, ...options }),
    signEs256: (claims, options) => signWithKey(es256, claims, { supabaseUrl: url, ...options }),
    hits: () => hits,
    keys: () => [...served.values()],
    addKey: (key) => {
      served.set(key.kid, key);
    },
    removeKey: (kid) => {
      served.delete(kid);
    },
    setBehavior: (next) => {
      behavior = next;
    },
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
