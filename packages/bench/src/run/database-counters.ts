/** What `pnpm bench` reads from a side's own database: its open outbox tasks, and PgBouncer's counters for it. */
import { pgbouncerAdmin, sql } from "@s3ssions/testing";
import type { BenchData } from "../harness.js";

/** Waits until every outbox task is done, so that one server's after-response work does not land in another's slice. */
export async function drainOutbox(data: BenchData, timeoutMs = 10_000): Promise<number> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const [row] = await sql<{ n: string }>(
      data.tdb.directUrl,
      "SELECT count(*) AS n FROM tasks WHERE status <> 'done'",
    );
    const open = Number(row?.n ?? 0);
    if (open === 0 || performance.now() > until) return open;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Statements and transactions PgBouncer has passed on for one database so far. */
export async function poolerCounts(database: string): Promise<{ queries: number; transactions: number }> {
  const row = (await pgbouncerAdmin("SHOW STATS")).find((r) => r.database === database);
  return { queries: Number(row?.total_query_count ?? 0), transactions: Number(row?.total_xact_count ?? 0) };
}
