/**
 * The work both engines get, over `pg` and TCP as the app would send it: CLIENTS connections
 * in parallel running simple-protocol SELECTs, parameterised SELECTs and small transactions.
 */
import pg from "pg";
import type { Target } from "./engines.js";

export const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
export const QUERIES = Number(process.env.BENCH_QUERIES ?? 1000);
export const TRANSACTIONS = Math.max(1, Math.round(QUERIES / 5));

export function client(target: Target): pg.Client {
  const c = new pg.Client({ host: "127.0.0.1", ...target, connectionTimeoutMillis: 30_000 });
  c.on("error", () => {});
  return c;
}

export interface LoadResult {
  ops: number;
  errors: number;
  wrong: number;
  perSecond: number;
  firstError?: string;
}

/**
 * `CLIENTS` connections in parallel, each running `count` operations. An operation that
 * throws is an error; one that returns a wrong answer is counted as wrong.
 */
export async function load(
  target: Target,
  count: number,
  operation: (c: pg.Client, worker: number, i: number) => Promise<boolean>,
): Promise<LoadResult> {
  let errors = 0;
  let wrong = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, worker) => {
      const c = client(target);
      try {
        await c.connect();
      } catch (error) {
        errors += count;
        firstError ??= (error as Error).message;
        return;
      }
      for (let i = 0; i < count; i++) {
        try {
          if (!(await operation(c, worker, i))) wrong++;
        } catch (error) {
          errors++;
          firstError ??= `${(error as { code?: string }).code ?? ""} ${(error as Error).message}`.trim();
          if (/Connection terminated|not queryable/i.test((error as Error).message)) {
            errors += count - i - 1;
            break;
          }
        }
      }
      await c.end().catch(() => {});
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ops = CLIENTS * count;
  return { ops, errors, wrong, perSecond: (ops - errors) / seconds, ...(firstError ? { firstError } : {}) };
}

export const simpleSelect = (c: pg.Client) =>
  // No parameters: the simple query protocol, one message per query.
  c.query("SELECT count(*)::int AS n FROM pg_class").then((r) => r.rows[0]?.n > 0);

export const parameterised = (c: pg.Client, worker: number, i: number) =>
  // Parameters: the extended protocol with the unnamed statement, as Prisma's adapter sends it.
  c.query("SELECT $1::int * 1000 + $2::int AS v", [worker, i]).then((r) => r.rows[0]?.v === worker * 1000 + i);

export async function transaction(c: pg.Client, worker: number, i: number): Promise<boolean> {
  await c.query("BEGIN");
  try {
    await c.query("UPDATE bench_counter SET n = n + 1 WHERE id = 1");
    await c.query("INSERT INTO bench_events (worker, i) VALUES ($1, $2)", [worker, i]);
    await c.query("COMMIT");
    return true;
  } catch (error) {
    await c.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
