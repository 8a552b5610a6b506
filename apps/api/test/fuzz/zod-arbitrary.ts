import fc from "fast-check";

/**
 * fast-check arbitraries from zod 4 schemas, read from their definitions
 * (`schema._zod.def`). Aims at values the schema accepts, so that fuzzing reaches the
 * handlers; refinements it cannot read (`.refine`) are helped by `hints`, keyed by field
 * name. Kinds it does not know fall back to `fc.anything()`, which the server must
 * survive just the same.
 */

export interface ZodLike {
  _zod: { def: ZodDef };
}

interface ZodDef {
  type: string;
  format?: string;
  checks?: ZodLike[];
  shape?: Record<string, ZodLike>;
  innerType?: ZodLike;
  options?: ZodLike[];
  in?: ZodLike;
  out?: ZodLike;
  entries?: Record<string, string | number>;
  values?: unknown[];
  element?: ZodLike;
  defaultValue?: unknown;
  // A check's def
  check?: string;
  minimum?: number;
  maximum?: number;
  length?: number;
  value?: number | bigint | Date;
  inclusive?: boolean;
}

/** Arbitraries by field name (`title`), or by procedure and field (`bookings.cancel.id`). */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

export interface ArbitraryOptions {
  hints?: Hints;
  /** Procedure path, for procedure-specific hints. */
  procedure?: string;
  /** Longest plain string generated (schemas may allow far more). */
  maxStringLength?: number;
}

const EARLIEST = new Date("2000-01-01T00:00:00.000Z");
const LATEST = new Date("2099-12-31T00:00:00.000Z");

function checksOf(def: ZodDef): ZodDef[] {
  return (def.checks ?? []).map((check) => check._zod.def);
}

function stringArbitrary(def: ZodDef, options: ArbitraryOptions): fc.Arbitrary<string> {
  const checks = checksOf(def);
  const format = def.format ?? checks.find((c) => c.check === "string_format")?.format;
  switch (format) {
    case "uuid":
    case "guid":
      return fc.uuid();
    case "url":
      return fc.webUrl({ validSchemes: ["https"], withQueryParameters: true, withFragments: true });
    case "datetime":
      return fc.date({ min: EARLIEST, max: LATEST, noInvalidDate: true }).map((date) => date.toISOString());
    case "email":
      return fc.emailAddress();
  }
  let minLength = 0;
  let maxLength = options.maxStringLength ?? 40;
  for (const check of checks) {
    if (check.check === "min_length" && check.minimum !== undefined) minLength = Math.max(minLength, check.minimum);
    if (check.check === "max_length" && check.maximum !== undefined) maxLength = Math.min(maxLength, check.maximum);
    if (check.check === "length_equals" && check.length !== undefined) minLength = maxLength = check.length;
  }
  maxLength = Math.max(minLength, maxLength);
  return fc.string({ minLength, maxLength, unit: "grapheme" }).filter((s) => s.trim().length >= minLength);
}

function numberArbitrary(def: ZodDef): fc.Arbitrary<number> {
  let min = -1e9;
  let max = 1e9;
  let integer = false;
  for (const check of checksOf(def)) {
    if (check.check === "number_format" && /int/.test(check.format ?? "")) integer = true;
    if (check.check === "greater_than" && typeof check.value === "number") {
      min = check.inclusive ? check.value : check.value + (integer ? 1 : Number.EPSILON);
    }
    if (check.check === "less_than" && typeof check.value === "number") {
      max = check.inclusive ? check.value : check.value - (integer ? 1 : Number.EPSILON);
    }
  }
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** An arbitrary of values for `schema`, mostly valid ones. */
export function arbitraryFor(schema: ZodLike, options: ArbitraryOptions = {}, key?: string): fc.Arbitrary<unknown> {
  if (key !== undefined) {
    const hint = options.hints?.[`${options.procedure}.${key}`] ?? options.hints?.[key];
    // A hint replaces the value, but an optional/nullable/default wrapper still may leave it out.
    const kind = schema._zod.def.type;
    if (hint && kind !== "optional" && kind !== "nullable" && kind !== "default") return hint;
  }
  const def = schema._zod.def;
  const inner = (s: ZodLike | undefined) => (s ? arbitraryFor(s, options, key) : fc.anything());
  switch (def.type) {
    case "object": {
      const shape = def.shape ?? {};
      const required: string[] = [];
      const fields: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, field] of Object.entries(shape)) {
        const kind = field._zod.def.type;
        if (kind !== "optional" && kind !== "default") required.push(name);
        fields[name] = arbitraryFor(field, options, name);
      }
      return fc.record(fields, { requiredKeys: required });
    }
    case "string":
      return stringArbitrary(def, options);
    case "number":
      return numberArbitrary(def);
    case "int":
      return fc.integer();
    case "bigint":
      return fc.bigInt();
    case "boolean":
      return fc.boolean();
    case "date":
      return fc.date({ min: EARLIEST, max: LATEST, noInvalidDate: true });
    case "enum":
      return fc.constantFrom(...Object.values(def.entries ?? { none: "none" }));
    case "literal":
      return fc.constantFrom(...(def.values ?? [null]));
    case "optional":
    case "default":
      return fc.option(inner(def.innerType), { nil: undefined, freq: 3 });
    case "nullable":
      return fc.option(inner(def.innerType), { nil: null, freq: 4 });
    case "nonoptional":
    case "readonly":
    case "catch":
    case "prefault":
      return inner(def.innerType);
    case "union":
      return fc.oneof(...(def.options ?? []).map((option) => arbitraryFor(option, options, key)));
    case "pipe":
      // Values enter through `in`; `out` sees them only after parsing.
      return inner(def.in);
    case "array":
      return fc.array(inner(def.element), { maxLength: 4 });
    case "null":
      return fc.constant(null);
    case "undefined":
    case "void":
      return fc.constant(undefined);
    default:
      return fc.anything();
  }
}

function unwrap(schema: ZodLike): ZodLike {
  const def = schema._zod.def;
  if (["optional", "nullable", "default", "nonoptional", "readonly", "catch", "prefault"].includes(def.type)) {
    return def.innerType ? unwrap(def.innerType) : schema;
  }
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  return schema;
}

/** Whether some string value could get past this schema's type check (strings, enums, unions holding one). */
function acceptsStrings(schema: ZodLike): boolean {
  const def = unwrap(schema)._zod.def;
  switch (def.type) {
    case "string":
    case "enum":
    case "template_literal":
      return true;
    case "literal":
      return (def.values ?? []).some((value) => typeof value === "string");
    case "union":
      return (def.options ?? []).some(acceptsStrings);
    default:
      return false;
  }
}

/** The top-level fields of an object input that take strings, by name. */
export function stringFields(schema: ZodLike | undefined): string[] {
  if (!schema) return [];
  const shape = unwrap(schema)._zod.def.shape ?? {};
  return Object.entries(shape)
    .filter(([, field]) => acceptsStrings(field))
    .map(([name]) => name);
}
