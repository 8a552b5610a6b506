/** The comparison table: a column an engine, a row a measurement. */
import { median } from "../harness.js";
import { type EngineResult, RESTARTS } from "./measure.js";
import { CLIENTS, type LoadResult, QUERIES, TRANSACTIONS } from "./workload.js";

const ms = (v: number) => `${Math.round(v)} ms`;
const mb = (v: number) => `${Math.round(v)} MB`;
const throughput = (r: LoadResult, unit: string) =>
  `${Math.round(r.perSecond).toLocaleString("en-US")} ${unit}/s, ${r.errors} errors${r.wrong ? `, ${r.wrong} WRONG` : ""}`;

export function table(results: EngineResult[]): string {
  const rows: [string, ...string[]][] = [
    ["", ...results.map((r) => r.name)],
    ["server version", ...results.map((r) => r.version)],
    ["first start: empty dir → first query", ...results.map((r) => ms(r.firstStartMs))],
    [
      `restart of existing dir → first query (median of ${RESTARTS})`,
      ...results.map((r) => `${ms(median(r.restartMs))} (${r.restartMs.map((v) => Math.round(v)).join(", ")})`),
    ],
    ["data dir after the run", ...results.map((r) => mb(r.dataMb))],
    [
      "memory idle: RSS sum / PSS sum",
      ...results.map((r) => `${mb(r.idle.rssMb)} / ${mb(r.idle.pssMb)} (${r.idle.processes} proc)`),
    ],
    ["memory peak under load: RSS / PSS", ...results.map((r) => `${mb(r.peak.peakRss)} / ${mb(r.peak.peakPss)}`)],
    [`${CLIENTS} clients × ${QUERIES} simple-protocol SELECT`, ...results.map((r) => throughput(r.simple, "q"))],
    [`${CLIENTS} clients × ${QUERIES} parameterised SELECT`, ...results.map((r) => throughput(r.extended, "q"))],
    [
      `${CLIENTS} clients × ${TRANSACTIONS} transactions (UPDATE+INSERT)`,
      ...results.map((r) => throughput(r.tx, "tx")),
    ],
    ["counter = committed transactions", ...results.map((r) => r.consistent)],
    ["data survives restart", ...results.map((r) => r.survivesRestart)],
  ];
  const [header, ...body] = rows as [[string, ...string[]], ...[string, ...string[]][]];
  const widths = header.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? "").length)));
  const line = (row: string[]) => `| ${row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}
