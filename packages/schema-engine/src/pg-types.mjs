// How the adapter reads PostgreSQL values for the schema engine: the engine's column type per
// type OID, and text-format parsers. Every built-in type the engine's schema inspection selects
// can be read (`"char"`, `name`, `oid`, `int2vector`, ...): unknown types are returned as text,
// where @prisma/adapter-pg fails on `"char"` (OID 18).

import pg from "pg";

// Column types understood by the engine (ColumnTypeEnum in @prisma/driver-adapter-utils).
const T = /** @type {const} */ ({
  Int32: 0,
  Int64: 1,
  Float: 2,
  Double: 3,
  Numeric: 4,
  Boolean: 5,
  Character: 6,
  Text: 7,
  Date: 8,
  Time: 9,
  DateTime: 10,
  Json: 11,
  Enum: 12,
  Bytes: 13,
  Uuid: 15,
  Int32Array: 64,
  Int64Array: 65,
  FloatArray: 66,
  DoubleArray: 67,
  NumericArray: 68,
  BooleanArray: 69,
  CharacterArray: 70,
  TextArray: 71,
  DateArray: 72,
  TimeArray: 73,
  DateTimeArray: 74,
  JsonArray: 75,
  BytesArray: 77,
  UuidArray: 78,
});

/** Column type per PostgreSQL type OID; anything not listed is read as text. */
const COLUMN_TYPE_BY_OID = new Map([
  [16, T.Boolean],
  [17, T.Bytes],
  [18, T.Character], // "char"
  [20, T.Int64],
  [21, T.Int32],
  [23, T.Int32],
  [26, T.Int64], // oid
  [114, T.Json],
  [3802, T.Json],
  [700, T.Float],
  [701, T.Double],
  [1700, T.Numeric],
  [790, T.Numeric], // money
  [1082, T.Date],
  [1083, T.Time],
  [1266, T.Time],
  [1114, T.DateTime],
  [1184, T.DateTime],
  [2950, T.Uuid],
  [1000, T.BooleanArray],
  [1001, T.BytesArray],
  [1002, T.CharacterArray],
  [1005, T.Int32Array],
  [1007, T.Int32Array],
  [1016, T.Int64Array],
  [1028, T.Int64Array],
  [1021, T.FloatArray],
  [1022, T.DoubleArray],
  [1231, T.NumericArray],
  [1182, T.DateArray],
  [1183, T.TimeArray],
  [1115, T.DateTimeArray],
  [1185, T.DateTimeArray],
  [199, T.JsonArray],
  [3807, T.JsonArray],
  [2951, T.UuidArray],
  // text-like arrays
  [1003, T.TextArray], // name[]
  [1009, T.TextArray],
  [1014, T.TextArray],
  [1015, T.TextArray],
]);

const identity = (/** @type {string} */ s) => s;
const parseBytea = pg.types.getTypeParser(17, "text");
const parseByteaArray = pg.types.getTypeParser(/** @type {any} */ (1001), "text");
const parseTextArray = pg.types.getTypeParser(/** @type {any} */ (1009), "text");

/** @param {(s: string) => unknown} element */
const arrayOf = (element) => (/** @type {string} */ s) =>
  /** @type {(string | null)[]} */ (parseTextArray(s)).map((v) => (v === null ? null : element(v)));

const toPlainBytes = (/** @type {Buffer} */ b) => Array.from(b);
const timestampToIso = (/** @type {string} */ s) => `${s.replace(" ", "T")}+00:00`;
const timestamptzToIso = (/** @type {string} */ s) => {
  // "2024-01-02 03:04:05.678+00" (the session time zone is UTC) -> RFC 3339
  const m = /^(.*?)([+-]\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(s);
  if (!m) return s;
  const [, base, hh, mm = "00"] = m;
  return `${/** @type {string} */ (base).replace(" ", "T")}${hh}:${mm}`;
};
const stripTz = (/** @type {string} */ s) => s.replace(/[+-]\d{2}(:?\d{2})?$/, "");
const toNumber = (/** @type {string} */ s) => Number(s);

/** Text-format value parsers per OID; everything else stays the raw string. */
const PARSERS = new Map([
  [16, (/** @type {string} */ s) => s === "t"],
  [17, (/** @type {string} */ s) => toPlainBytes(/** @type {Buffer} */ (parseBytea(s)))],
  [21, toNumber],
  [23, toNumber],
  [700, toNumber],
  [701, toNumber],
  [790, (/** @type {string} */ s) => s.replace(/[^0-9.-]/g, "")],
  [1114, timestampToIso],
  [1184, timestamptzToIso],
  [1266, stripTz],
  [1000, arrayOf((s) => s === "t")],
  [
    1001,
    (/** @type {string} */ s) =>
      /** @type {(Buffer | null)[]} */ (parseByteaArray(s)).map((b) => (b === null ? null : toPlainBytes(b))),
  ],
  [1005, arrayOf(toNumber)],
  [1007, arrayOf(toNumber)],
  [1021, arrayOf(toNumber)],
  [1022, arrayOf(toNumber)],
  [1115, arrayOf(timestampToIso)],
  [1185, arrayOf(timestamptzToIso)],
  ...[1002, 1003, 1009, 1014, 1015, 1016, 1028, 1231, 1182, 1183, 199, 3807, 2951].map(
    (oid) => /** @type {[number, (s: string) => unknown]} */ ([oid, arrayOf(identity)]),
  ),
]);

/** `types` option of a `pg` query: our parsers for text results, pg's own for binary ones. */
export const queryTypes = {
  /** @param {number} oid @param {string} [format] */
  getTypeParser: (oid, format) => {
    if (format === "binary") return pg.types.getTypeParser(oid, "binary");
    return PARSERS.get(oid) ?? identity;
  },
};

/** @param {number} oid */
export function columnTypeOf(oid) {
  return COLUMN_TYPE_BY_OID.get(oid) ?? T.Text;
}
