/** The table `pnpm bench` prints: a row a measurement, ours / peer / raw, the ratios and the targets. */

export interface Row {
  metric: string;
  ours: string;
  peer: string;
  raw: string;
  perPeer: number;
  perRaw: number;
  target: string;
  holds?: boolean;
  old: string;
}

export function printTable(rows: Row[]) {
  const header = ["metric", "ours", "peer", "raw", "÷ peer", "÷ raw", "target", "holds?", "old service"];
  const ratio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : "");
  const cells = rows.map((r) => [
    r.metric,
    r.ours,
    r.peer,
    r.raw,
    ratio(r.perPeer),
    ratio(r.perRaw),
    r.target,
    r.holds === undefined ? "" : r.holds ? "yes" : "NO",
    r.old,
  ]);
  printGrid(header, cells);
}

/** A markdown table, columns padded to their widest cell. */
export function printGrid(header: string[], cells: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  console.log();
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) console.log(line(c));
}
