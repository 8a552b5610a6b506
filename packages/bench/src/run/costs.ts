/**
 * What `pnpm bench` prints after its main table: the bill (a million requests of each route
 * on Vercel, per side, on the shipped runtime) and server CPU per request by runtime (the
 * runtime decision: Vercel charges active CPU).
 */
import { median } from "../harness.js";
import { ROUTES } from "../routes.js";
import { type Bill, type BillInputs, billPerMillion, dollars } from "./bill.js";
import type { Runtime } from "./runtimes.js";
import { SIDES, type Side } from "./sides.js";
import { printGrid } from "./table.js";

/** Server CPU per answered request at c=32, in µs. */
export function cpuUsPerRequest(side: Side, route: string): number {
  const c32 = side.numbers.get(route)!.c32;
  return (c32.cpuMs * 1000) / Math.max(1, c32.ok);
}

export interface BillRow {
  route: string;
  side: string;
  cpuUs: number;
  wallMs: number;
  bill: Bill;
}

/** A million requests per route and side, from the shipped runtime's sides. */
export function billRows(inputs: BillInputs, sides: Side[]): BillRow[] {
  return ROUTES.flatMap((route) =>
    SIDES.map((key) => {
      const side = sides.find((s) => s.key === key)!;
      const cpuUs = cpuUsPerRequest(side, route.name);
      const wallMs = median(side.numbers.get(route.name)!.c1);
      return { route: route.name, side: key, cpuUs, wallMs, bill: billPerMillion(inputs, cpuUs, wallMs) };
    }),
  );
}

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : "");

export function printBill(inputs: BillInputs, rows: BillRow[], runtime: Runtime) {
  const { rates, memoryMb } = inputs;
  console.log(
    `\nThe bill: 1 M requests on Vercel Fluid compute, ${runtime.label}, ${memoryMb} MB, ${rates.region}: ` +
      `$${rates.activeCpuPerHour}/h active CPU, $${rates.provisionedMemoryPerGbHour}/GB-h provisioned memory, ` +
      `$${rates.invocationsPerMillion}/M invocations (${rates.source}, seen ${rates.seen}; from ${inputs.from}).`,
  );
  const total = (route: string, side: string) => rows.find((r) => r.route === route && r.side === side)!.bill.total;
  printGrid(
    [
      "route",
      "side",
      "CPU/req",
      "wall/req (c=1 p50)",
      "active CPU",
      "memory",
      "invocations",
      "total",
      "÷ peer",
      "÷ raw",
    ],
    rows.map((r) => [
      r.route,
      r.side,
      `${r.cpuUs.toFixed(0)} µs`,
      `${r.wallMs.toFixed(2)} ms`,
      dollars(r.bill.cpu),
      dollars(r.bill.memory),
      dollars(r.bill.invocations),
      dollars(r.bill.total),
      r.side === "peer" ? "" : ratio(r.bill.total, total(r.route, "peer")),
      r.side === "raw" ? "" : ratio(r.bill.total, total(r.route, "raw")),
    ]),
  );
  console.log(
    "memory = the function's memory for each request's whole wall time (an instance serving one request at a time: the most a request costs; Fluid's in-instance concurrency shares it). Before the plan's included usage is spent, a Pro team pays none of it.",
  );
}

/** Server CPU per request at c=32 on every runtime, and what it costs per million on Vercel's CPU rate. */
export function printRuntimes(inputs: BillInputs, runtimes: Runtime[], sidesOn: (r: Runtime) => Side[]) {
  const shipped = runtimes.find((r) => r.shipped)!;
  const cells: string[][] = [];
  for (const route of ROUTES) {
    const shippedOurs = cpuUsPerRequest(sidesOn(shipped).find((s) => s.key === "ours")!, route.name);
    for (const runtime of runtimes) {
      const sides = sidesOn(runtime);
      const cpu = Object.fromEntries(sides.map((s) => [s.key, cpuUsPerRequest(s, route.name)]));
      const ours = cpu.ours!;
      cells.push([
        route.name,
        `${runtime.label}${runtime.shipped ? " (shipped)" : ""}`,
        ...SIDES.map((key) => `${cpu[key]!.toFixed(0)} µs`),
        ratio(ours, cpu.peer!),
        ratio(ours, cpu.raw!),
        dollars(billPerMillion(inputs, ours, 0).cpu),
        runtime.shipped ? "" : ratio(ours, shippedOurs),
      ]);
    }
  }
  console.log(
    "\nServer CPU per request at c=32 by runtime (same rotation, same databases; what Vercel's active-CPU meter bills):",
  );
  printGrid(
    ["route", "runtime", "ours", "peer", "raw", "÷ peer", "÷ raw", "ours active CPU / 1 M", "ours ÷ shipped"],
    cells,
  );
}
