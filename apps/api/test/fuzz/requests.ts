import fc from "fast-check";
import superjson from "superjson";
import { superjsonBomb } from "@s3ssions/testing";

/**
 * What the fuzzer sends: procedure calls with inputs (valid, mutated or hostile), encoded
 * for the wire in several ways (as the SDK does, without superjson, with hostile superjson
 * metadata), over the right or the wrong method, batched or not, with mangled text, odd
 * content types and any kind of credentials.
 */

export type AuthKind =
  | { kind: "user"; index: number }
  | { kind: "none" }
  | { kind: "header"; value: string }
  | { kind: "token"; variant: "wrong-secret" | "expired" | "not-a-uuid-sub" | "alg-none" | "anon-role" };

export type Encoding = "superjson" | "plain" | "bare" | "hostile-meta";

export type Mutation =
  | { kind: "none" }
  | { kind: "drop"; index: number }
  | { kind: "set"; index: number; value: unknown }
  | { kind: "extra"; key: string; value: unknown }
  | { kind: "replace"; value: unknown }
  | { kind: "nest"; index: number; depth: number };

export type TextTweak = "none" | "duplicate-key" | "truncate" | "trailing-garbage" | "bom" | "invalid-utf8";

export interface Call {
  procedure: string;
  input: unknown;
  mutation: Mutation;
  encoding: Encoding;
  meta?: unknown;
}

export interface FuzzRequest {
  calls: Call[];
  batch: boolean;
  wrongMethod: boolean;
  contentType: string | null;
  tweak: TextTweak;
  auth: AuthKind;
}

/** A long string, printed short in counterexamples; `materialize` turns it into the string. */
export class Huge {
  constructor(readonly length: number) {}
  [fc.toStringMethod]() {
    return `Huge(${this.length})`;
  }
}

function materialize(value: unknown): unknown {
  return value instanceof Huge ? "x".repeat(value.length) : value;
}

/** Values that have broken servers before: edge numbers, odd strings, wrong types. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\t\n",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "x\udfff",
    "😀",
    "\u202e\u200b",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-0",
    "null",
    "undefined",
    "true",
    "0x10",
    "__proto__",
    "constructor",
    "../../etc/passwd",
    "' OR 1=1 --",
    "'; DROP TABLE sessions; --",
    "<script>alert(1)</script>",
    "%00",
    "\\u0000",
    "2020-02-30T00:00:00Z",
    "0000-00-00T00:00:00Z",
    "+275760-09-13T00:00:00.000Z",
    "-271821-04-20T00:00:00.000Z",
    "9999-12-31T23:59:59.999Z",
    "1970-01-01T00:00:00Z",
    "2030-01-01T00:00:00+25:00",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "------------------------------------",
    "Europe/Nowhere",
    "UTC",
    "http://insecure.example.com",
    "javascript:alert(1)",
    "https://",
    "https://exa mple.com",
  ),
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    1.5,
    1e308,
    -1e308,
    5e-324,
    2 ** 31,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 53,
    Number.MAX_SAFE_INTEGER + 2,
    10_000,
    10_001,
    100,
    101,
  ),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.constantFrom(1_000, 5_001, 100_000, 300_000).map((n) => new Huge(n)),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.bigInt(),
  fc.date({ noInvalidDate: false }),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
  fc.constantFrom(new Set([1, 2]), new Map([["a", 1]]), /re+gex/g, new Error("boom")),
);

const typeTag = fc.constantFrom<unknown>(
  "Date",
  "bigint",
  "undefined",
  "set",
  "map",
  "regexp",
  "number",
  "Error",
  "URL",
  ["class", "Foo"],
  ["symbol", "bar"],
  ["custom", "baz"],
  ["typed-array", "Int8Array"],
  "nonsense",
  42,
  null,
);

const metaPath = fc.constantFrom(
  "title",
  "startsAt",
  "endsAt",
  "id",
  "sessionId",
  "cursor",
  "limit",
  "capacity",
  "__proto__",
  "__proto__.polluted",
  "constructor.prototype",
  "constructor.prototype.polluted",
  "a.b.c",
  "",
  "0",
  "title.length",
  "from",
);

/** Superjson metadata written by an attacker rather than by superjson. */
export const hostileMeta: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ values: fc.dictionary(metaPath, typeTag, { maxKeys: 3 }) }),
  fc.record({ values: fc.array(typeTag, { maxLength: 3 }) }),
  fc.record({ referentialEqualities: fc.dictionary(metaPath, fc.array(metaPath, { maxLength: 3 }), { maxKeys: 2 }) }),
  fc.record({ referentialEqualities: fc.constant([["title"], { title: ["id"] }]) }),
  // The bomb's shape, small: many paths into a Set (pnpm bench:json-guard measures the big one).
  fc.constant(superjsonBomb({}, { setSize: 20, paths: 40 }).meta),
  fc.record({ values: fc.dictionary(metaPath, typeTag, { maxKeys: 2 }), v: fc.constantFrom(0, 1, 2, 999, "x") }),
  fc.anything({ maxDepth: 2 }),
);

export const mutation = (keys: number): fc.Arbitrary<Mutation> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constant<Mutation>({ kind: "none" }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("drop" as const), index: fc.nat({ max: Math.max(0, keys - 1) }) }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("set" as const),
        index: fc.nat({ max: Math.max(0, keys - 1) }),
        value: hostileValue,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("extra" as const),
        key: fc.oneof(fc.constantFrom("__proto__", "constructor", "hostId", "status", "confirmedCount"), fc.string()),
        value: hostileValue,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("replace" as const), value: hostileValue }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("nest" as const),
        index: fc.nat({ max: Math.max(0, keys - 1) }),
        depth: fc.integer({ min: 2, max: 60 }),
      }),
    },
  );

export function applyMutation(input: unknown, m: Mutation): unknown {
  if (m.kind === "none") return input;
  if (m.kind === "replace") return materialize(m.value);
  const object: Record<string, unknown> =
    input !== null && typeof input === "object" && !Array.isArray(input) ? { ...(input as object) } : {};
  const keys = Object.keys(object);
  const key = keys.length > 0 && "index" in m ? keys[m.index % keys.length]! : "title";
  switch (m.kind) {
    case "drop":
      delete object[key];
      break;
    case "set":
      object[key] = materialize(m.value);
      break;
    case "extra":
      Object.defineProperty(object, m.key, {
        value: materialize(m.value),
        enumerable: true,
        configurable: true,
        writable: true,
      });
      break;
    case "nest": {
      let value: unknown = object[key] ?? "x";
      for (let i = 0; i < m.depth; i++) value = i % 2 ? [value] : { v: value };
      object[key] = value;
      break;
    }
  }
  return object;
}

/** `value` as plain JSON (bigint as a string); undefined stays undefined. */
function plainJson(value: unknown): unknown {
  const text = JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? item.toString() : item));
  return text === undefined ? undefined : JSON.parse(text);
}

/** Superjson as the SDK would send it; what superjson refuses to write (e.g. a `__proto__` key) goes out plain. */
function superjsonOrPlain(value: unknown): { json: unknown; meta?: unknown } {
  try {
    return superjson.serialize(value);
  } catch {
    return { json: plainJson(value) };
  }
}

/** The JSON value one call puts on the wire. */
export function encodeCall(call: Call): unknown {
  const input = applyMutation(call.input, call.mutation);
  switch (call.encoding) {
    case "superjson":
      return superjsonOrPlain(input);
    case "plain":
      return input === undefined ? {} : { json: plainJson(input) ?? null };
    case "bare":
      return plainJson(input) ?? null;
    case "hostile-meta":
      return { json: superjsonOrPlain(input).json, meta: call.meta };
  }
}

/** Applies a text-level tweak; returns bytes for the invalid-UTF-8 case. */
export function tweakText(text: string, tweak: TextTweak): string | Uint8Array {
  switch (tweak) {
    case "none":
      return text;
    case "duplicate-key":
      return text.replace(/"json":\{("[^"\\]*":("(?:[^"\\]|\\.)*"|[-\d.eE+]+|true|false|null))/, '"json":{$1,$1');
    case "truncate":
      return text.slice(0, Math.floor(text.length / 2));
    case "trailing-garbage":
      return `${text} garbage`;
    case "bom":
      return `\ufeff${text}`;
    case "invalid-utf8": {
      const bytes = new TextEncoder().encode(text);
      const out = new Uint8Array(bytes.length + 2);
      out.set(bytes.slice(0, 1));
      out.set([0xc3, 0x28], 1);
      out.set(bytes.slice(1), 3);
      return out;
    }
  }
}

export const authKind = (users: number): fc.Arbitrary<AuthKind> =>
  fc.oneof(
    { weight: 14, arbitrary: fc.record({ kind: fc.constant("user" as const), index: fc.nat({ max: users - 1 }) }) },
    { weight: 2, arbitrary: fc.constant<AuthKind>({ kind: "none" }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("header" as const),
        value: fc.oneof(
          fc.constantFrom(
            "Bearer",
            "Bearer ",
            "Bearer x",
            "Bearer a.b.c",
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.",
            "Basic dXNlcjpwYXNz",
            "bearer  two tokens",
            `Bearer ${"A".repeat(6000)}`,
          ),
          fc.string({ unit: "grapheme-ascii", maxLength: 80 }).map((s) => `Bearer ${s}`),
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("token" as const),
        variant: fc.constantFrom("wrong-secret", "expired", "not-a-uuid-sub", "alg-none", "anon-role"),
      }),
    },
  );
