import { raw, type Sql } from "@s3ssions/db";
import * as z from "zod";
import { freeSeats } from "../rules/seats.js";
import { type SessionDto, type SessionRow, sessionDto } from "../schemas/dto.js";

/** What `toSessionDto` derives: not a column. */
const DERIVED: ReadonlySet<string> = new Set(["seatsLeft"] satisfies (keyof SessionDto)[]);

/** A field's column: its snake_case name. */
const columnNameOf = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * A field's column as selected: read as text where the column is a uuid, an enum or text
 * (Prisma's own queries return those as strings too).
 */
function columnOf(field: string, schema: z.ZodType): string {
  const column = columnNameOf(field);
  const inner = schema instanceof z.ZodNullable ? schema.unwrap() : schema;
  return inner instanceof z.ZodString || inner instanceof z.ZodEnum ? `${column}::text` : column;
}

/** The session row's fields and columns, derived from `sessionDto`: a new field needs no entry here. */
const SESSION_COLUMNS: readonly (readonly [field: string, column: string])[] = Object.entries(sessionDto.shape)
  .filter(([field]) => !DERIVED.has(field))
  .map(([field, schema]) => [field, columnOf(field, schema)]);

/** A session field's column name, for a write; a name that is not a stored field throws. */
export function sessionColumnName(field: string): string {
  if (!SESSION_COLUMNS.some(([known]) => known === field)) throw new Error(`not a session column: ${field}`);
  return columnNameOf(field);
}

/**
 * The columns of a session row, as every raw query selects them (Prisma's own queries
 * return the same fields): `SELECT ${sessionColumns()} FROM sessions`, or with a table alias.
 */
export function sessionColumns(alias = ""): Sql {
  let columns = columnLists.get(alias);
  if (columns === undefined) {
    const prefix = alias ? `${alias}.` : "";
    columns = raw(SESSION_COLUMNS.map(([field, column]) => `${prefix}${column} AS "${field}"`).join(", "));
    columnLists.set(alias, columns);
  }
  return columns;
}

/** The column list by table alias, built once: every list and lock selects it. */
const columnLists = new Map<string, Sql>();

/**
 * `onlineUrlVisible`: whether the caller is the host or holds a confirmed booking (see
 * onlineUrlViewers); the link is null otherwise.
 */
export function toSessionDto(row: SessionRow, onlineUrlVisible: boolean): SessionDto {
  return {
    ...row,
    onlineUrl: onlineUrlVisible ? row.onlineUrl : null,
    seatsLeft: freeSeats(row),
  };
}
