/**
 * `pnpm bench`: our API, the peer and the raw-`pg` limit answering the same routes through
 * the same PgBouncer, measured side by side in one run, printed as one table with ratios, the
 * issues' targets and the old FastAPI service's targets. A benchmark, not a test: it exits 0
 * whether or not a target holds (non-zero only when it could not measure).
 *
 * What runs (`pnpm bench` = apps/api's `node build.mjs`, then `tsx src/run.ts` in packages/bench):
 *   ours  dist/server.mjs (the `pnpm start` bundle) and the built Vercel function
 *         .vercel/output/functions/index.func/index.mjs (`pnpm build:vercel`, run here)
 *   peer  src/peer/server.ts: the same routes written by the tRPC v11 and Prisma 7 docs, no
 *         tuning (standalone adapter, superjson, zod, PrismaClient + PrismaPg, findMany),
 *         bundled here with Prisma's default ("fast") query compiler
 *   raw   src/baseline/{server,function}.ts: straight on `pg`, no framework — the limit
 *   functions are served by src/launcher.mjs, a stand-in for Vercel's Node launcher
 * Measured: cold start (spawn → first /health/db 200, median of BENCH_COLD_RUNS ≥ 5, for
 * the function and for the server), p50/p99 at concurrency 1, req/s and server CPU per
 * request at 32 for /health, /health/db, sessions.list (20 items) and bookings.create, RSS
 * after the load, bundle sizes, errors, and how each server shuts down after the load
 * (requests still in flight, drained). The three alternate slice by slice (the order
 * rotates each time) after a warm-up: this is a shared 2-core machine, so ratios within one
 * run, medians and interleaving, not back-to-back runs. Each side has its own database
 * (same seed), so PgBouncer's SHOW STATS gives each side's statements per request. Each
 * booking is a (user, session) pair never booked before, so every side does the full
 * transaction; the outbox is drained between slices. Per-user rate limits are off
 * (RATE_LIMIT_*_PER_MIN=0): the others have none.
 *
 * Env: BENCH_COLD_RUNS (7), BENCH_C1_REQUESTS per route and server (300),
 * BENCH_C32_SECONDS per route and server (4.5), BENCH_SKIP_VERCEL_BUILD=1 (reuse .vercel/output),
 * BENCH_NODE=path (the Node binary for the servers and functions, e.g. a Node 22 as on Vercel).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { NODE_BUNDLE } from "@s3ssions/app-api/bundle-options.mjs";
import { pgbouncerAdmin, sql } from "@s3ssions/testing";
import { type BuildOptions, build } from "esbuild";
import {
  type BenchData,
  benchEnvironment,
  coldStart,
  cpuMs,
  createBenchData,
  exitWhenSettled,
  load,
  type LoadResult,
  median,
  NODE,
  quantile,
  rssMb,
  send,
  type Server,
  shapeOf,
  spawnServer,
} from "./harness.js";
import { APP, BENCH_DIR, OUT, REPO, START_FLAGS } from "./paths.js";
import { compilerBuildPlugin } from "./prisma-compiler-build.js";
import { ROUTES } from "./routes.js";

const SERVER = `${APP}dist/server.mjs`;
/** What dist/server.mjs (a three-line entry, see build.mjs) imports: the bundle itself. */
const SERVER_APP = `${APP}dist/server-app.mjs`;
const FUNCTION = `${REPO}.vercel/output/functions/index.func/index.mjs`;
const LAUNCHER = fileURLToPath(new URL("./launcher.mjs", import.meta.url));
const RAW_SERVER = `${OUT}baseline-server.mjs`;
const RAW_FUNCTION = `${OUT}baseline-function.mjs`;
const PEER_SERVER = `${OUT}peer-server.mjs`;

const COLD_RUNS = Math.max(5, Number(process.env.BENCH_COLD_RUNS ?? 7));
const C1_REQUESTS = Number(process.env.BENCH_C1_REQUESTS ?? 300);
const C1_SLICES = 3;
const C32_MS = Number(process.env.BENCH_C32_SECONDS ?? 4.5) * 1000;
const C32_SLICES = 3;
const WARMUP = 150;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const benchStarted = performance.now();

// ---------------------------------------------------------------- build

async function buildEverything(): Promise<void> {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`node build.mjs\` first (pnpm bench does)`);
  if (process.env.BENCH_SKIP_VERCEL_BUILD !== "1") {
    log("building the Vercel function (pnpm build:vercel)…");
    const result = spawnSync(process.execPath, [`${APP}scripts/vercel-build.mjs`], { cwd: REPO, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`pnpm build:vercel failed:\n${result.stdout}\n${result.stderr}`);
  }
  if (!existsSync(FUNCTION)) throw new Error(`${FUNCTION} is missing`);
  log("bundling the peer and the raw baseline…");
  mkdirSync(OUT, { recursive: true });
  const shared: BuildOptions = { ...NODE_BUNDLE, absWorkingDir: BENCH_DIR };
  await Promise.all([
    build({ ...shared, entryPoints: ["src/baseline/server.ts"], outfile: RAW_SERVER, target: "node20" }),
    build({ ...shared, entryPoints: ["src/baseline/function.ts"], outfile: RAW_FUNCTION, target: "node22" }),
    build({
      ...shared,
      entryPoints: ["src/peer/server.ts"],
      outfile: PEER_SERVER,
      target: "node20",
      plugins: [compilerBuildPlugin("fast")],
    }),
  ]);
}

// ---------------------------------------------------------------- database

/** Waits until every outbox task is done, so that one server's after-response work does not land in another's slice. */
async function drainOutbox(data: BenchData, timeoutMs = 10_000): Promise<number> {
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
async function poolerCounts(database: string): Promise<{ queries: number; transactions: number }> {
  const row = (await pgbouncerAdmin("SHOW STATS")).find((r) => r.database === database);
  return { queries: Number(row?.total_query_count ?? 0), transactions: Number(row?.total_xact_count ?? 0) };
}

// ---------------------------------------------------------------- sides

const SIDES = ["ours", "peer", "raw"] as const;
type SideKey = (typeof SIDES)[number];

interface RouteNumbers {
  c1: number[];
  /** Statements and transactions through PgBouncer during the c=1 slices (after-response work included). */
  pooler: { queries: number; transactions: number; requests: number };
  /** Requests answered 2xx, wall time, and the server process's CPU time over the c=32 slices. */
  c32: { ok: number; ms: number; cpuMs: number };
}

interface Tally {
  requests: number;
  errors: number;
  /** Failed answers by route, phase and status. */
  statuses: Map<string, number>;
}

/** A server, the database it alone uses, and what was measured on it. */
interface Side {
  key: SideKey;
  server: Server;
  data: BenchData;
  c1: Agent;
  c32: Agent;
  tally: Tally;
  numbers: Map<string, RouteNumbers>;
}

function count(tally: Tally, result: LoadResult, where: string): number {
  let ok = 0;
  for (const sample of result.samples) {
    tally.requests += 1;
    if (sample.status >= 200 && sample.status < 300) ok += 1;
    else {
      tally.errors += 1;
      const key = `${where} ${sample.status || "network"}`;
      tally.statuses.set(key, (tally.statuses.get(key) ?? 0) + 1);
    }
  }
  return ok;
}

/** Slice `i`'s order: the sides rotate, so that each is first, second and last equally often. */
const rotated = <T>(items: readonly T[], i: number): T[] => items.map((_, k) => items[(k + i) % items.length]!);

/** Same status, same JSON shape (keys and value types) from every side, per route. */
async function compareShapes(sides: Side[]): Promise<string[]> {
  const notes: string[] = [];
  for (const route of ROUTES) {
    const shapes: string[] = [];
    for (const side of sides) {
      const agent = new Agent({ keepAlive: false });
      const reply = await send(agent, side.server.port, route.next(side.data), true);
      if (reply.status !== 200)
        notes.push(`${route.name}: ${side.key} answered ${reply.status}: ${reply.body?.slice(0, 200)}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(reply.body ?? "");
      } catch {
        parsed = reply.body;
      }
      if (route.name === "sessions.list") {
        const items = (parsed as { result?: { data?: { json?: { items?: unknown[] } } } })?.result?.data?.json?.items;
        if (items?.length !== 20) notes.push(`sessions.list: ${side.key} returned ${items?.length} items, not 20`);
      }
      // Volatile values aside (uptime, latency), the shapes must match.
      shapes.push(JSON.stringify(shapeOf(parsed)));
    }
    for (let i = 1; i < sides.length; i++) {
      if (shapes[i] !== shapes[0])
        notes.push(
          `${route.name}: response shapes differ\n    ${sides[0]!.key.padEnd(5)} ${shapes[0]}\n    ${sides[i]!.key.padEnd(5)} ${shapes[i]}`,
        );
    }
  }
  return notes;
}

// ---------------------------------------------------------------- measure

async function main() {
  await buildEverything();
  log("creating and seeding a database for each side…");
  // One database each (same seed shape), so that their tables, locks and PgBouncer
  // counters are their own.
  const data = {} as Record<SideKey, BenchData>;
  for (const key of SIDES) data[key] = await createBenchData({ sessions: 300, users: 300 });
  const env = Object.fromEntries(SIDES.map((key) => [key, benchEnvironment(data[key])])) as Record<
    SideKey,
    Record<string, string>
  >;
  const serverArgs: Record<SideKey, string[]> = {
    ours: [...START_FLAGS, SERVER],
    peer: [PEER_SERVER],
    raw: [RAW_SERVER],
  };
  const sides: Side[] = [];
  try {
    // Cold starts: a fresh process each time, the kinds interleaved, order rotating. The
    // peer is a server only (its docs' way to Vercel would be another adapter).
    const kinds = [
      { key: "fn-ours", args: [LAUNCHER, FUNCTION], env: env.ours },
      { key: "fn-raw", args: [LAUNCHER, RAW_FUNCTION], env: env.raw },
      ...SIDES.map((key) => ({ key: `srv-${key}`, args: serverArgs[key], env: env[key] })),
    ];
    const cold: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k.key, []]));
    log(`cold starts: ${COLD_RUNS} rounds × ${kinds.length}…`);
    for (let round = 0; round < COLD_RUNS; round++) {
      for (const kind of rotated(kinds, round)) {
        cold[kind.key]!.push(await coldStart({ name: kind.key, args: kind.args, env: kind.env }));
      }
    }

    log("starting the three servers…");
    for (const key of SIDES) {
      sides.push({
        key,
        server: await spawnServer({ name: key, args: serverArgs[key], env: env[key] }),
        data: data[key],
        c1: new Agent({ keepAlive: true, maxSockets: 1 }),
        c32: new Agent({ keepAlive: true, maxSockets: 32 }),
        tally: { requests: 0, errors: 0, statuses: new Map() },
        numbers: new Map(),
      });
    }
    const side = (key: SideKey) => sides.find((s) => s.key === key)!;
    const notes = await compareShapes(sides);
    for (const s of sides) await drainOutbox(s.data);

    log("warming up…");
    for (const route of ROUTES) {
      for (const s of sides) {
        await load(s.c32, s.server.port, () => route.next(s.data), { concurrency: 4, count: WARMUP });
        if (route.name === "bookings.create") await drainOutbox(s.data);
      }
    }

    for (const route of ROUTES) {
      log(`${route.name}: c=1 latency, c=32 throughput…`);
      for (const s of sides)
        s.numbers.set(route.name, {
          c1: [],
          pooler: { queries: 0, transactions: 0, requests: 0 },
          c32: { ok: 0, ms: 0, cpuMs: 0 },
        });
      for (let slice = 0; slice < C1_SLICES; slice++) {
        for (const s of rotated(sides, slice)) {
          const before = await poolerCounts(s.data.tdb.name);
          const result = await load(s.c1, s.server.port, () => route.next(s.data), {
            concurrency: 1,
            count: Math.ceil(C1_REQUESTS / C1_SLICES),
          });
          count(s.tally, result, `${route.name} c=1 slice ${slice}`);
          const numbers = s.numbers.get(route.name)!;
          numbers.c1.push(...result.samples.map((sample) => sample.ms));
          if (route.name === "bookings.create") await drainOutbox(s.data);
          const after = await poolerCounts(s.data.tdb.name);
          numbers.pooler.queries += after.queries - before.queries;
          numbers.pooler.transactions += after.transactions - before.transactions;
          numbers.pooler.requests += result.samples.length;
        }
      }
      for (let slice = 0; slice < C32_SLICES; slice++) {
        for (const s of rotated(sides, slice)) {
          const cpuBefore = cpuMs(s.server.child.pid!);
          const result = await load(s.c32, s.server.port, () => route.next(s.data), {
            concurrency: 32,
            durationMs: C32_MS / C32_SLICES,
          });
          // After-response work (outbox tasks) is part of a booking's cost: counted once it is done.
          if (route.name === "bookings.create") await drainOutbox(s.data);
          const cpuAfter = cpuMs(s.server.child.pid!);
          const c32 = s.numbers.get(route.name)!.c32;
          c32.ok += count(s.tally, result, `${route.name} c=32 slice ${slice}`);
          c32.ms += result.elapsedMs;
          c32.cpuMs += cpuAfter - cpuBefore;
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const memory = Object.fromEntries(sides.map((s) => [s.key, rssMb(s.server.child.pid!)])) as Record<
      SideKey,
      { rss: number; peak: number }
    >;
    for (const s of sides) {
      const openTasks = await drainOutbox(s.data, 2_000);
      if (openTasks > 0) notes.push(`${s.key}: ${openTasks} outbox tasks still not done after the load`);
    }
    // How ours ends after the load: requests still in flight at SIGTERM, drained and stopped.
    const ours = side("ours");
    const shutdown = await ours.server.stop();
    notes.push(
      `ours after the load, SIGTERM: in flight ${shutdown.inFlightAtSignal ?? "?"}, ` +
        `${shutdown.drained ? "drained, database closed" : "NOT drained"}, exit ${shutdown.exitCode}`,
    );

    // ------------------------------------------------------------ report
    const size = (file: string) => ({ bytes: statSync(file).size, gzip: gzipSync(readFileSync(file)).length });
    /** An entry and the chunks it loads when first needed (chunks/ beside it), summed. */
    const withChunks = (entry: string) => {
      const dir = `${dirname(entry)}/chunks`;
      const files = [
        entry,
        ...(existsSync(dir)
          ? readdirSync(dir)
              .filter((f) => f.endsWith(".mjs"))
              .map((f) => `${dir}/${f}`)
          : []),
      ];
      const sizes = files.map(size);
      return {
        bytes: sizes.reduce((sum, s) => sum + s.bytes, 0),
        gzip: sizes.reduce((sum, s) => sum + s.gzip, 0),
        entry: sizes[0]!,
      };
    };
    const bundles = {
      server: withChunks(SERVER_APP),
      function: withChunks(FUNCTION),
      peerServer: size(PEER_SERVER),
      rawServer: size(RAW_SERVER),
      rawFunction: size(RAW_FUNCTION),
    };
    const rows: Row[] = [];
    const ms = (v: number, digits = 1) => `${v.toFixed(digits)} ms`;
    const cells = (values: Record<SideKey, number | undefined>, format: (v: number) => string) => ({
      ours: values.ours === undefined ? "" : format(values.ours),
      peer: values.peer === undefined ? "" : format(values.peer),
      raw: values.raw === undefined ? "" : format(values.raw),
      perPeer: values.ours !== undefined && values.peer !== undefined ? values.ours / values.peer : Number.NaN,
      perRaw: values.ours !== undefined && values.raw !== undefined ? values.ours / values.raw : Number.NaN,
    });
    const coldRow = (label: string, kind: "fn" | "srv", maxPerRaw: number) => {
      const m = (key: SideKey) => (cold[`${kind}-${key}`] ? median(cold[`${kind}-${key}`]!) : undefined);
      const c = cells({ ours: m("ours"), peer: m("peer"), raw: m("raw") }, (v) => ms(v, 0));
      rows.push({
        metric: label,
        ...c,
        target: `≤ ${maxPerRaw.toFixed(1)}× raw`,
        holds: c.perRaw <= maxPerRaw,
        old: oldCheck("< 3 s", m("ours")! < 3000),
      });
    };
    coldRow(`cold start, Vercel function (median of ${COLD_RUNS})`, "fn", 1.5);
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
      const cpuTarget =
        route.name === "/health/db" || route.name === "sessions.list"
          ? { target: "≤ 0.8× peer, ≤ 2× raw", holds: cpu.perPeer <= 0.8 && cpu.perRaw <= 2 }
          : route.name === "bookings.create"
            ? { target: "≤ 0.8× peer", holds: cpu.perPeer <= 0.8 }
            : { target: "" };
      rows.push({ metric: `${route.name} server CPU/req c=32`, ...cpu, ...cpuTarget, old: "" });
      if (route.db) {
        const statements = (key: SideKey) => {
          const p = of(key, route.name).pooler;
          return `${(p.queries / p.requests).toFixed(1)} (${(p.transactions / p.requests).toFixed(1)} tx)`;
        };
        const perRequest = perSide((key) => of(key, route.name).pooler.queries / of(key, route.name).pooler.requests);
        rows.push({
          metric: `${route.name} DB statements/req`,
          ...cells(perRequest, () => ""),
          ours: statements("ours"),
          peer: statements("peer"),
          raw: statements("raw"),
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
      target: "≤ 1.0× peer, < 160 MB",
      holds: rss.perPeer <= 1 && memory.ours.rss < 160,
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
    const mbText = (s: { bytes: number; gzip: number; entry?: { bytes: number } }) =>
      `${(s.bytes / 1e6).toFixed(2)} MB (${(s.gzip / 1e6).toFixed(2)} gz)${s.entry ? `, entry ${(s.entry.bytes / 1e6).toFixed(2)}` : ""}`;
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
    const rate = (t: Tally) => (t.requests ? (100 * t.errors) / t.requests : 0);
    const errorText = (t: Tally) => `${t.errors}/${t.requests} (${rate(t).toFixed(2)} %)`;
    rows.push({
      metric: "errors under load",
      ours: errorText(ours.tally),
      peer: errorText(side("peer").tally),
      raw: errorText(side("raw").tally),
      perPeer: Number.NaN,
      perRaw: Number.NaN,
      target: "0",
      holds: ours.tally.errors === 0,
      old: oldCheck("< 1 %", rate(ours.tally) < 1),
    });
    for (const s of sides) {
      if (s.tally.errors > 0)
        notes.push(`${s.key} errors: ${[...s.tally.statuses].map(([where, n]) => `${where} ×${n}`).join("; ")}`);
    }

    printTable(rows);
    const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0);
    console.log(
      `\nnode ${NODE === process.execPath ? process.version : NODE} for the servers, ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(
          " ",
        )}; one run of ${seconds} s; c=1: ${C1_REQUESTS} requests per route and server, c=32: ${(C32_MS / 1000).toFixed(1)} s per route and server, ${C1_SLICES}/${C32_SLICES} rotating slices.`,
    );
    console.log(
      `cold start = spawn → first GET /health/db 200 (fresh process each; functions through packages/bench/src/launcher.mjs); all samples (ms): ${Object.entries(
        cold,
      )
        .map(([k, v]) => `${k} [${v.map((x) => x.toFixed(0)).join(", ")}]`)
        .join("; ")}`,
    );
    console.log(
      "÷ peer, ÷ raw = ours ÷ theirs (lower is better for time, CPU and memory; higher for req/s). old service = the FastAPI service's targets, checked on our number.",
    );
    for (const note of notes) console.log(`note: ${note}`);
    writeFileSync(
      `${OUT}results.json`,
      `${JSON.stringify({ at: new Date().toISOString(), node: process.version, loadavg: loadavg(), rows, cold, bundles }, null, 2)}\n`,
    );
  } finally {
    await Promise.all(sides.map((s) => s.server.stop()));
    for (const key of SIDES) await data[key]?.tdb.drop().catch(() => {});
  }
}

// ---------------------------------------------------------------- table

interface Row {
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

function oldCheck(target: string, holds: boolean): string {
  return `${target} ${holds ? "✓" : "✗"}`;
}

function printTable(rows: Row[]) {
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
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  console.log();
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) console.log(line(c));
}

exitWhenSettled(main());
