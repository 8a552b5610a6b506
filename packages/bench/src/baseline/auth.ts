/** HS256 only (what the bench signs), with the claim checks ours makes. */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type BaselineRequest, UUID } from "./http.js";

export interface User {
  id: string;
}

/** The caller an `Authorization: Bearer <token>` header names, or null when it names none. */
export function callerOf(request: BaselineRequest, secret: Buffer): User | null {
  const match = /^Bearer ([^\s]+)$/i.exec((request.header("authorization") ?? "").trim());
  return match?.[1] ? verifyHs256(match[1], secret) : null;
}

export function verifyHs256(token: string, secret: Buffer): User | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [head, payload, signature] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { alg?: string };
    if (header.alg !== "HS256") return null;
    const expected = createHmac("sha256", secret).update(`${head}.${payload}`).digest();
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== "number" || claims.exp <= now - 5) return null;
    if (typeof claims.nbf === "number" && claims.nbf > now + 5) return null;
    const aud = claims.aud;
    if (!(aud === "authenticated" || (Array.isArray(aud) && aud.includes("authenticated")))) return null;
    if (claims.role !== "authenticated") return null;
    if (typeof claims.sub !== "string" || !UUID.test(claims.sub)) return null;
    return { id: claims.sub.toLowerCase() };
  } catch {
    return null;
  }
}
