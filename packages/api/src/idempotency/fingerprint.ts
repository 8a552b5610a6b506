import { createHash } from "node:crypto";
import superjson from "superjson";

/** JSON with every object's keys sorted: the same value always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * What a key's first request asked for: SHA-256 (hex) of the procedure's path and its
 * input as the caller sent it (superjson's form, so a Date and its ISO string differ),
 * keys sorted, so that the same call retried matches whatever order its fields arrive in.
 */
export function requestFingerprint(path: string, rawInput: unknown): string {
  const input = rawInput === undefined ? null : superjson.serialize(rawInput);
  return createHash("sha256").update(path).update("\n").update(canonicalJson(input)).digest("hex");
}
