/**
 * Checks a tRPC request's JSON before tRPC and superjson parse it: a deeply nested value,
 * or superjson metadata that loops, could blow the stack of a recursive deserialiser; a
 * body that is not UTF-8 would be silently "repaired" into U+FFFD and stored that way;
 * superjson metadata beyond what our inputs use (see superjsonMetaProblem) costs the
 * deserialiser time before any schema runs.
 *
 * The body is read here, once, capped at `maxBodyBytes` while reading (a chunked body has
 * no content-length to trust), decoded as strict UTF-8, scanned (never parsed, unless it
 * carries superjson metadata) and handed on as a request carrying the same text
 * (checked-body-request.ts).
 *
 * Text Postgres cannot store (NUL, lone surrogates) is the schemas' business, field by
 * field, so that the caller learns which field is wrong (`safeText`, uuids, enums).
 */

import { checkedBodyRequest } from "./checked-body-request.js";

/** Deepest nesting of arrays and objects accepted in a body or a GET `input`. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`, brackets inside
 * strings not counting. One pass, no parsing; invalid JSON is left to the parser.
 */
export function exceedsJsonDepth(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH)
        i += 1; // skip the escaped character (\" \\ \u…)
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (code === 0x7d || code === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * The only superjson types our inputs carry: dates, and `undefined` for a field a client
 * left out explicitly. Anything else (Set, Map, bigint, RegExp, class instances, …) is
 * metadata no procedure needs, and costs the deserialiser work before any schema runs.
 */
const ACCEPTED_VALUE_TYPES: ReadonlySet<unknown> = new Set(["Date", "undefined"]);

/** Most `meta.values` annotations in one call: our largest input has a handful of dates. */
export const MAX_SUPERJSON_VALUES = 32;

const isLeaf = (tree: unknown): boolean =>
  Array.isArray(tree) && tree.length === 1 && ACCEPTED_VALUE_TYPES.has(tree[0]);

/**
 * Whether a `meta.values` tree is made of accepted leaves (`["Date"]`, `["undefined"]`)
 * and plain objects of subtrees only, with no more leaves than the budget allows. Its
 * depth is bounded by the depth check that runs first.
 */
function fitsValues(tree: unknown, budget: { left: number }): boolean {
  if (isLeaf(tree)) return --budget.left >= 0;
  if (!isPlainObject(tree)) return false;
  for (const child of Object.values(tree)) if (!fitsValues(child, budget)) return false;
  return true;
}

/** The paths of a `meta.values` tree's `Date` leaves, written as superjson writes paths. */
function datePaths(tree: unknown, prefix: string, into: Set<string>): Set<string> {
  if (Array.isArray(tree)) {
    if (tree.length === 1 && tree[0] === "Date") into.add(prefix);
  } else if (isPlainObject(tree)) {
    for (const [key, child] of Object.entries(tree)) datePaths(child, prefix ? `${prefix}.${key}` : key, into);
  }
  return into;
}

/**
 * Whether `meta.referentialEqualities` only says "these dates are one Date object": every
 * path it names is a `Date` leaf, at most `MAX_SUPERJSON_VALUES` of them. superjson writes
 * that when user code passes one Date twice (`{ from: now, to: now }`); applying it walks
 * a few plain paths and shares a Date, nothing more.
 */
function onlyDatesShared(references: unknown, values: unknown): boolean {
  if (!isPlainObject(references)) return false; // the array form shares the root: never a Date
  const dates = datePaths(values, "", new Set());
  let left = MAX_SUPERJSON_VALUES;
  for (const [path, targets] of Object.entries(references)) {
    if (!dates.has(path) || !Array.isArray(targets)) return false;
    for (const target of targets) {
      if (typeof target !== "string" || !dates.has(target) || --left < 0) return false;
    }
  }
  return true;
}

/**
 * Why a request's superjson metadata is refused, or undefined when it is acceptable.
 *
 * - `meta.referentialEqualities` only between dates (see onlyDatesShared): pointing many
 *   times into a large `Set` costs superjson O(n·m) and worse (a 54 KB body blocked the
 *   event loop for seconds), and no input of ours needs any other object identity.
 * - `meta.values` may only annotate `Date` and `undefined`, at most
 *   `MAX_SUPERJSON_VALUES` of them. superjson 2.2.x also recurses without end on a
 *   string where a tree belongs (`{"values":{"a":"Date"}}`): that shape fails here too.
 *
 * One JSON.parse and one walk of the metadata: linear in the body, well under 100 ms at
 * the body size limit (pnpm bench:json-guard).
 */
export function superjsonMetaProblem(text: string, batch: boolean): string | undefined {
  if (!text.includes('"meta"')) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return undefined; // not JSON: tRPC answers that itself
  }
  const envelopes = batch && isPlainObject(payload) ? Object.values(payload) : [payload];
  for (const envelope of envelopes) {
    if (!isPlainObject(envelope) || !("meta" in envelope)) continue;
    const meta = envelope.meta;
    if (!isPlainObject(meta)) continue;
    const references = meta.referentialEqualities;
    if (references !== undefined && references !== null && !onlyDatesShared(references, meta.values)) {
      return "superjson meta.referentialEqualities is accepted only between dates (send each object once)";
    }
    if (meta.values === undefined || meta.values === null) continue;
    if (!fitsValues(meta.values, { left: MAX_SUPERJSON_VALUES })) {
      return `Malformed superjson metadata: meta.values may only annotate Date and undefined, at most ${MAX_SUPERJSON_VALUES} of them`;
    }
  }
  return undefined;
}

export interface GuardRejection {
  status: 400 | 413;
  code: "BAD_REQUEST" | "PAYLOAD_TOO_LARGE";
  message: string;
}

export type GuardResult = { ok: true; request: Request } | ({ ok: false } & GuardRejection);

export interface GuardOptions {
  maxBodyBytes: number;
  maxDepth?: number;
}

const tooDeep = (where: string, maxDepth: number) => `${where} is nested deeper than ${maxDepth} levels`;

const reject = (status: 400 | 413, code: GuardRejection["code"], message: string): GuardResult => ({
  ok: false,
  status,
  code,
  message,
});

/** Reads at most `max` bytes of the body; undefined when it is longer. */
async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function isJson(request: Request): boolean {
  const type = request.headers.get("content-type")?.toLowerCase().split(";", 1)[0]?.trim();
  return type === "application/json";
}

/**
 * Checks a request bound for tRPC: every GET `input` and a body's text. Answers the
 * request to hand tRPC (the body read once, same text) or why it is refused.
 */
export async function guardTrpcRequest(request: Request, options: GuardOptions): Promise<GuardResult> {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const params = new URL(request.url).searchParams;
  const batch = params.get("batch") === "1";
  for (const input of params.getAll("input")) {
    if (exceedsJsonDepth(input, maxDepth)) return reject(400, "BAD_REQUEST", tooDeep("The input parameter", maxDepth));
    const metaProblem = superjsonMetaProblem(input, batch);
    if (metaProblem) return reject(400, "BAD_REQUEST", metaProblem);
  }
  if (!request.body) return { ok: true, request };

  let bytes: Uint8Array | undefined;
  try {
    bytes = await readCapped(request.body, options.maxBodyBytes);
  } catch {
    // The body broke off (the client hung up mid-body, or sent a malformed chunked body).
    return reject(400, "BAD_REQUEST", "Malformed request body");
  }
  if (!bytes) {
    return reject(413, "PAYLOAD_TOO_LARGE", `Request body is larger than ${options.maxBodyBytes} bytes`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return reject(400, "BAD_REQUEST", "Request body is not valid UTF-8");
  }
  if (isJson(request)) {
    if (exceedsJsonDepth(text, maxDepth)) return reject(400, "BAD_REQUEST", tooDeep("The request body", maxDepth));
    const metaProblem = superjsonMetaProblem(text, batch);
    if (metaProblem) return reject(400, "BAD_REQUEST", metaProblem);
  }
  return { ok: true, request: checkedBodyRequest(request, text) };
}
