import type { Sql } from "./generated/prisma/internal/prismaNamespace.js";

/**
 * Prisma's SQL template tag and helpers (`Prisma.sql`, `Prisma.join`, `Prisma.raw`), as
 * the loaded Prisma runtime has them: the runtime's `$queryRaw` knows a fragment by its
 * own class, so the helpers must come from the very module instance it uses, which loads
 * with Prisma's client (`Database.ready`). Building a statement before that throws.
 */
export type { Sql };

/** What runs on the pool (`Database.query`): a `sql`-tagged statement, or a fixed one written out. */
export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

interface SqlHelpers {
  sql(strings: readonly string[], ...values: unknown[]): Sql;
  join(values: readonly unknown[], separator?: string, prefix?: string, suffix?: string): Sql;
  raw(value: string): Sql;
}

let helpers: SqlHelpers | undefined;

/** Called by the lazily loaded client module with the runtime's own helpers. */
export function provideSqlHelpers(loaded: SqlHelpers): void {
  helpers ??= loaded;
}

function loaded(): SqlHelpers {
  if (!helpers) throw new Error("Prisma is not loaded yet: await db.ready() before building SQL");
  return helpers;
}

export const sql = (strings: readonly string[], ...values: unknown[]): Sql => loaded().sql(strings, ...values);
export const join = (values: readonly unknown[], separator?: string, prefix?: string, suffix?: string): Sql =>
  loaded().join(values, separator, prefix, suffix);
export const raw = (value: string): Sql => loaded().raw(value);
