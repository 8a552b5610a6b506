import { createHash, timingSafeEqual } from "node:crypto";

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerTokenOf(headers: Headers): string | undefined {
  const header = headers.get("authorization");
  return (header ? /^Bearer +(\S+)\s*$/i.exec(header.trim()) : null)?.[1];
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Equality against fixed secrets in constant time, whatever the lengths: both sides are
 * hashed to 32 bytes first, and every configured secret is compared every time.
 */
export function createSecretMatcher(secrets: (string | undefined)[]): (candidate: string) => boolean {
  const digests = secrets.filter((s): s is string => typeof s === "string" && s !== "").map(digest);
  return (candidate) => {
    const given = digest(candidate);
    let matched = false;
    for (const known of digests) matched = timingSafeEqual(given, known) || matched;
    return matched;
  };
}
