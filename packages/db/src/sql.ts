/**
 * The SQL template tag of every hand-written statement (`sql`, `join`, `raw`), from
 * `sql-template-tag`: values become bind parameters (`$1`, `$2`, … in `text`), fragments
 * nest. Statements run on the pool (`Database.query`) or in a transaction (`tx.query`),
 * never through Prisma, so building one needs no Prisma runtime: a request that answers
 * from hand-written statements alone (the list, a booking, health) never loads it.
 */
export { join, raw, Sql, default as sql } from "sql-template-tag";

/** What runs on the pool (`Database.query`): a `sql`-tagged statement, or a fixed one written out. */
export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}
