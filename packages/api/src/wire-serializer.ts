import superjson, { type SuperJSONResult } from "superjson";
import { toIsoString } from "./iso-string.js";

/**
 * superjson's `serialize` for what our procedures answer, with less work: the same
 * `{ json, meta }` and, once stringified, the same bytes (a property test compares the two
 * over random DTOs and random values). Our outputs are trees of plain objects, arrays,
 * strings, finite numbers, booleans, null and valid Dates. For those the tree is walked
 * once: `json` is its copy with each Date as its ISO string (what superjson puts there),
 * and the Dates' paths are noted. The copy is what makes it cheap: `JSON.stringify` meets
 * only strings, where a Date left in the tree sends it down its slow path (a `toJSON` call
 * per Date: a 20-session page stringified in 3× the time).
 * Anything else — undefined, NaN, ±Infinity, -0, bigint, Map, Set, class instances, an
 * object or Date met twice (superjson's referential equalities) — is left to superjson
 * itself, whole.
 */
export function serializeOutput(value: unknown): SuperJSONResult {
  const json = walk(value, new Set());
  if (json === BAIL) return superjson.serialize(value);
  const tree = lastTree;
  if (tree === undefined) return { json: json as SuperJSONResult["json"] };
  const values = tree instanceof Pending ? materialize(tree, "", {}) : tree;
  return { json: json as SuperJSONResult["json"], meta: { values, v: 1 } } as SuperJSONResult;
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

/** The annotations of the value `walk` returned last (a second return value, without a tuple per node). */
let lastTree: Tree | undefined;

/** `value`'s JSON copy (Dates as ISO strings), its annotations in `lastTree`; BAIL for what only superjson handles. */
function walk(value: unknown, seen: Set<object>): unknown {
  lastTree = undefined;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? value : BAIL;
    case "object":
      if (value === null) return null;
      break;
    default:
      return BAIL;
  }
  if (seen.has(value)) return BAIL;
  seen.add(value);
  const proto = Object.getPrototypeOf(value);
  if (proto === Date.prototype) {
    if (Number.isNaN((value as Date).getTime())) return BAIL;
    lastTree = DATE;
    return toIsoString(value as Date);
  }
  const isArray = Array.isArray(value);
  const plain = isArray
    ? proto === Array.prototype
    : (proto === Object.prototype || proto === null) && value !== Object.prototype;
  if (!plain) return BAIL;
  let inner: Pending | undefined;
  const record = value as Record<string, unknown>;
  // An array is copied index by index, as superjson does: a trailing hole is dropped.
  const copy: Record<string, unknown> = isArray ? ([] as unknown as Record<string, unknown>) : {};
  for (const key of Object.keys(record)) {
    // superjson refuses these (prototype pollution); so does it here, by its own error.
    if (key === "__proto__" || key === "constructor" || key === "prototype") return BAIL;
    const child = walk(record[key], seen);
    if (child === BAIL) return BAIL;
    copy[key] = child;
    const tree = lastTree as Tree | undefined; // set by the walk above, which TypeScript cannot see
    if (tree === undefined) continue;
    inner ??= new Pending();
    const escaped = escapeKey(key);
    if (tree instanceof Pending) inner.rest.push(`${escaped}.`, tree);
    else if (isArrayIndex(escaped)) inner.indices.push(escaped, tree);
    else inner.rest.push(escaped, tree);
  }
  lastTree = inner;
  return copy;
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
