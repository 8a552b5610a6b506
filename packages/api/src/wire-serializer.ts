import superjson, { type SuperJSONResult } from "superjson";

/**
 * superjson's `serialize` for what our procedures answer, with less work: the same
 * `{ json, meta }` and, once stringified, the same bytes (a property test compares the two
 * over random DTOs and random values). Our outputs are trees of plain objects, arrays,
 * strings, finite numbers, booleans, null and valid Dates. For those the tree is walked
 * once to note the Dates' paths and is not copied: `JSON.stringify` turns each Date into
 * the string superjson would have put there (Date's `toJSON` is its `toISOString`).
 * Anything else — undefined, NaN, ±Infinity, -0, bigint, Map, Set, class instances, an
 * object or Date met twice (superjson's referential equalities) — is left to superjson
 * itself, whole.
 */
export function serializeOutput(value: unknown): SuperJSONResult {
  const tree = walk(value, new Set());
  if (tree === BAIL) return superjson.serialize(value);
  if (tree === undefined) return { json: value as SuperJSONResult["json"] };
  const values = tree instanceof Pending ? materialize(tree, "", {}) : tree;
  return { json: value as SuperJSONResult["json"], meta: { values, v: 1 } } as SuperJSONResult;
}

const BAIL = Symbol("bail");
const DATE: ["Date"] = ["Date"];

/**
 * A container's annotations, flattened the way superjson 2.2 orders them: leaf
 * annotations under array-index keys first, then the rest (leaves and nested containers)
 * in key order.
 */
class Pending {
  indices: (string | ["Date"])[] = [];
  rest: (string | ["Date"] | Pending)[] = [];
}

type Tree = ["Date"] | Pending;

function walk(value: unknown, seen: Set<object>): Tree | undefined | typeof BAIL {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? undefined : BAIL;
    case "object":
      if (value === null) return undefined;
      break;
    default:
      return BAIL;
  }
  if (seen.has(value)) return BAIL;
  seen.add(value);
  const proto = Object.getPrototypeOf(value);
  if (proto === Date.prototype) return Number.isNaN((value as Date).getTime()) ? BAIL : DATE;
  const plain = Array.isArray(value)
    ? proto === Array.prototype
    : (proto === Object.prototype || proto === null) && value !== Object.prototype;
  if (!plain) return BAIL;
  let inner: Pending | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    // superjson refuses these (prototype pollution); so does it here, by its own error.
    if (key === "__proto__" || key === "constructor" || key === "prototype") return BAIL;
    const child = walk(record[key], seen);
    if (child === undefined) continue;
    if (child === BAIL) return BAIL;
    inner ??= new Pending();
    const escaped = escapeKey(key);
    if (child instanceof Pending) inner.rest.push(`${escaped}.`, child);
    else if (isArrayIndex(escaped)) inner.indices.push(escaped, child);
    else inner.rest.push(escaped, child);
  }
  return inner;
}

const escapeKey = (key: string) =>
  key.indexOf("\\") === -1 && key.indexOf(".") === -1 ? key : key.replace(/\\/g, "\\\\").replace(/\./g, "\\.");

/** Whether `key` is an array index as JavaScript orders object keys (0 … 2³² − 2, no leading zero). */
function isArrayIndex(key: string): boolean {
  const length = key.length;
  if (length === 0 || length > 10) return false;
  for (let i = 0; i < length; i++) {
    const code = key.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  if (key.charCodeAt(0) === 48) return length === 1;
  return length < 10 || +key < 4294967295;
}

function materialize(pending: Pending, prefix: string, out: Record<string, ["Date"]>): Record<string, ["Date"]> {
  const { indices, rest } = pending;
  for (let i = 0; i < indices.length; i += 2) out[prefix + (indices[i] as string)] = indices[i + 1] as ["Date"];
  for (let i = 0; i < rest.length; i += 2) {
    const child = rest[i + 1];
    if (child instanceof Pending) materialize(child, prefix + (rest[i] as string), out);
    else out[prefix + (rest[i] as string)] = child as ["Date"];
  }
  return out;
}

/** The wire's transformer: superjson, with the output side through `serializeOutput`. */
export const wireTransformer = {
  input: superjson,
  output: { serialize: serializeOutput, deserialize: superjson.deserialize },
};
