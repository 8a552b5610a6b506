/**
 * The table's rows: each measurement for ours, the peer and raw, the ratios, the target
 * ours must hold (the issues' targets, against raw and the peer) and the old FastAPI
 * service's target, checked on our number.
 */
import { median, quantile } from "../harness.js";
import { ROUTES } from "../routes.js";
import type { BundleSizes, Size } from "./bundles.js";
import { COLD_RUNS } from "./measure.js";
import { SIDES, type Side, type SideKey, type Tally } from "./sides.js";
import type { Row } from "./table.js";

export interface Measured {
  /** Cold-start samples (ms) by kind: `fn-ours`, `fn-raw`, `fn-list-ours`, `fn-list-raw`, `srv-ours`, `srv-peer`, `srv-raw`. */
  cold: Record<string, number[]>;
  sides: Side[];
  memory: Record<SideKey, { rss: number; peak: number }>;
  bundles: BundleSizes;
}

function oldCheck(target: string, holds: boolean): string {
  return `${target} ${holds ? "✓" : "✗"}`;
}

const ms = (v: number, digits = 1) => `${v.toFixed(digits)} ms`;

/** The three sides' values as cells, and ours ÷ theirs. */
function cells(values: Record<SideKey, number | undefined>, format: (v: number) => string) {
  return {
    ours: values.ours === undefined ? "" : format(values.ours),
    peer: values.peer === undefined ? "" : format(values.peer),
    raw: values.raw === undefined ? "" : format(values.raw),
    perPeer: values.ours !== undefined && values.peer !== undefined ? values.ours / values.peer : Number.NaN,
    perRaw: values.ours !== undefined && values.raw !== undefined ? values.ours / values.raw : Number.NaN,
  };
}

const mbText = (s: Size) =>
  `${(s.bytes / 1e6).toFixed(2)} MB (${(s.gzip / 1e6).toFixed(2)} gz)${s.entry ? `, entry ${(s.entry.bytes / 1e6).toFixed(2)}` : ""}`;

const errorRate = (t: Tally) => (t.requests ? (100 * t.errors) / t.requests : 0);
const errorText = (t: Tally) => `${t.errors}/${t.requests} (${errorRate(t).toFixed(2)} %)`;

/** Server CPU per request at c=32, ours ÷ peer and ours ÷ raw at most. */
const CPU_TARGETS: Record<string, { peer: number; raw: number }> = {
  "/health/db": { peer: 0.7, raw: 1.3 },
  "sessions.list": { peer: 0.7, raw: 2.0 },
  "bookings.create": { peer: 0.5, raw: 2.0 },
};

export function resultRows({ cold, sides, memory, bundles }: Measured): Row[] {
  const rows: Row[] = [];
  const side = (key: SideKey) => sides.find((s) => s.key === key)!;
  const coldRow = (label: string, kind: "fn" | "fn-list" | "srv", maxPerRaw?: number) => {
    const m = (key: SideKey) => (cold[`${kind}-${key}`] ? median(cold[`${kind}-${key}`]!) : undefined);
    const c = cells({ ours: m("ours"), peer: m("peer"), raw: m("raw") }, (v) => ms(v, 0));
    rows.push({
      metric: label,
      ...c,
      target: maxPerRaw === undefined ? "" : `≤ ${maxPerRaw.toFixed(1)}× raw`,
      holds: maxPerRaw === undefined ? undefined : c.perRaw <= maxPerRaw,
      old: oldCheck("< 3 s", m("ours")! < 3000),
    });
  };
  coldRow(`cold start, Vercel function (median of ${COLD_RUNS})`, "fn", 1.3);
  coldRow(`cold start to a first sessions.list, function (median of ${COLD_RUNS})`, "fn-list");
  coldRow(`cold start, server bundle (median of ${COLD_RUNS})`, "srv", 2);
  const of = (key: SideKey, route: string) => side(key).numbers.get(route)!;
  const perSide = (f: (key: SideKey) => number) =>
    Object.fromEntries(SIDES.map((key) => [key, f(key)])) as Record<SideKey, number>;
  for (const route of ROUTES) {
    for (const [q, label] of [
      [0.5, "p50"],
      [0.99, "p99"],
    ] as const) {
      const c = cells(
        perSide((key) => quantile(of(key, route.name).c1, q)),
        (v) => ms(v, 2),
      );
      const targeted = q === 0.5 && (route.name === "/health/db" || route.name === "sessions.list");
      rows.push({
        metric: `${route.name} ${label} c=1`,
        ...c,
        target: targeted ? "≤ 2.0× raw" : "",
        holds: targeted ? c.perRaw <= 2 : undefined,
        old: oldCheck("< 200 ms", quantile(of("ours", route.name).c1, q) < 200),
      });
    }
    const throughput = cells(
      perSide((key) => (of(key, route.name).c32.ok / of(key, route.name).c32.ms) * 1000),
      (v) => `${v.toFixed(0)}/s`,
    );
    rows.push({
      metric: `${route.name} req/s c=32`,
      ...throughput,
      target: "≥ 0.5× raw",
      holds: throughput.perRaw >= 0.5,
      old: "",
    });
    // Where throughput goes: server CPU time per answered request at c=32 (after-response
    // work such as outbox tasks included); the rest of the box is shared.
    const cpu = cells(
      perSide((key) => (of(key, route.name).c32.cpuMs * 1000) / Math.max(1, of(key, route.name).c32.ok)),
      (v) => `${v.toFixed(0)} µs`,
    );
    // Issue #23's targets.
    const limits = CPU_TARGETS[route.name];
    const cpuTarget = limits
      ? {
          target: `≤ ${limits.peer}× peer, ≤ ${limits.raw}× raw`,
          holds: cpu.perPeer <= limits.peer && cpu.perRaw <= limits.raw,
        }
      : { target: "" };
    rows.push({ metric: `${route.name} server CPU/req c=32`, ...cpu, ...cpuTarget, old: "" });
    if (route.db) {
      const statements = (key: SideKey) => {
        const p = of(key, route.name).pooler;
        return `${(p.queries / p.requests).toFixed(1)} (${(p.transactions / p.requests).toFixed(1)} tx)`;
      };
      const perRequest = perSide((key) => of(key, route.name).pooler.queries / of(key, route.name).pooler.requests);
      rows.push({
        metric: `${route.name} DB statements/req c=1`,
        ...cells(perRequest, () => ""),
        ours: statements("ours"),
        peer: statements("peer"),
        raw: statements("raw"),
        target: "",
        old: "",
      });
      // Under load a side may send fewer statements than requests (ours shares a health
      // probe's round trip among the probes waiting for the connection): printed, so that a
      // CPU ratio is read with the work behind it.
      const loaded = perSide((key) => of(key, route.name).c32.queries / Math.max(1, of(key, route.name).c32.requests));
      rows.push({
        metric: `${route.name} DB statements/req c=32`,
        ...cells(loaded, (v) => v.toFixed(2)),
        target: "",
        old: "",
      });
    }
  }
  const rss = cells(
    perSide((key) => memory[key].rss),
    (v) => `${v.toFixed(1)} MB`,
  );
  rows.push({
    metric: "RSS after load",
    ...rss,
    target: "≤ 0.5× peer, < 160 MB",
    holds: rss.perPeer <= 0.5 && memory.ours.rss < 160,
    old: oldCheck("< 512 MB", memory.ours.rss < 512),
  });
  rows.push({
    metric: "RSS peak (VmHWM)",
    ...cells(
      perSide((key) => memory[key].peak),
      (v) => `${v.toFixed(1)} MB`,
    ),
    target: "",
    old: oldCheck("< 512 MB", memory.ours.peak < 512),
  });
  rows.push({
    metric: "bundle, Vercel function",
    ours: mbText(bundles.function),
    peer: "",
    raw: mbText(bundles.rawFunction),
    perPeer: Number.NaN,
    perRaw: bundles.function.bytes / bundles.rawFunction.bytes,
    target: "",
    old: "",
  });
  rows.push({
    metric: "bundle, server",
    ours: mbText(bundles.server),
    peer: mbText(bundles.peerServer),
    raw: mbText(bundles.rawServer),
    perPeer: bundles.server.bytes / bundles.peerServer.bytes,
    perRaw: bundles.server.bytes / bundles.rawServer.bytes,
    target: "",
    old: "",
  });
  const ours = side("ours").tally;
  rows.push({
    metric: "errors under load",
    ours: errorText(ours),
    peer: errorText(side("peer").tally),
    raw: errorText(side("raw").tally),
    perPeer: Number.NaN,
    perRaw: Number.NaN,
    target: "0",
    holds: ours.errors === 0,
    old: oldCheck("< 1 %", errorRate(ours) < 1),
  });
  return rows;
}
