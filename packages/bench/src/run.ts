/**
 * `pnpm bench`: our API against a raw-`pg` baseline answering the same routes through the
 * same PgBouncer, measured side by side in one run, printed as one table with ratios, the
 * issue's targets and the old FastAPI service's targets. A benchmark, not a test: it exits 0
 * whether or not a target holds (non-zero only when it could not measure).
 *
 * What runs (`pnpm bench` = apps/api's `node build.mjs`, then `tsx src/run.ts` in packages/bench):
 *   ours      dist/server.mjs (the `pnpm start` bundle) and the built Vercel function
 *             .vercel/output/functions/index.func/index.mjs (`pnpm build:vercel`, run here)
 *   baseline  src/baseline/{server,function}.ts, bundled here with esbuild like ours
 *   functions are served by src/launcher.mjs, a stand-in for Vercel's Node launcher
 * Measured: cold start (spawn → first /health/db 200, median of BENCH_COLD_RUNS ≥ 5, for
 * the function and for the server), p50/p99 at concurrency 1 and req/s at 32 for /health,
 * /health/db, sessions.list (20 items) and bookings.create, RSS after the load, bundle
 * sizes, errors. Ours and the baseline alternate slice by slice (order flipped each time)
 * after a warm-up: this is a shared 2-core machine, so medians and interleaving, not
 * back-to-back runs. Each side has its own database (same seed), so PgBouncer's SHOW STATS
 * gives each side's statements per request. Each booking is a (user, session) pair never
 * booked before, so both do the full transaction; the outbox is drained between slices.
 * Per-user rate limits are off (RATE_LIMIT_*_PER_MIN=0): the baseline has none. Informational
 * rows (no target): server CPU per request at c=32, DB statements per request, RSS peak.
 *
 * Env: BENCH_COLD_RUNS (7), BENCH_C1_REQUESTS per route and server (300),
 * BENCH_C32_SECONDS per route and server (4.5), BENCH_SKIP_VERCEL_BUILD=1 (reuse .vercel/output),
 * BENCH_NODE=path (the Node binary for the servers and functions, e.g. a Node 22 as on Vercel).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { pgbouncerAdmin, sql } from "@s3ssions/testing";
import { type BuildOptions, build } from "esbuild";
import { NODE_BUNDLE } from "@s3ssions/app-api/bundle-options.mjs";
import {
  BENCH_JWT_SECRET,
  type BenchData,
  coldStart,
  cpuMs,
  createBenchData,
  type LoadResult,
  load,
  median,
  NODE,
  quantile,
  type RequestSpec,
  rssMb,
  type Server,
  send,
  shapeOf,
  spawnServer,
} from "./harness.js";
import { APP, BENCH_DIR, OUT, REPO } from "./paths.js";

const SERVER = `${APP}dist/server.mjs`;
/** What dist/server.mjs (a three-line entry, see build.mjs) imports: the bundle itself. */
const SERVER_APP = `${APP}dist/server-app.mjs`;
const FUNCTION = `${REPO}.vercel/output/functions/index.func/index.mjs`;
const LAUNCHER = fileURLToPath(new URL("./launcher.mjs", import.meta.url));
const BASE_SERVER = `${OUT}baseline-server.mjs`;
const BASE_FUNCTION = `${OUT}baseline-function.mjs`;

const COLD_RUNS = Math.max(5, Number(process.env.BENCH_COLD_RUNS ?? 7));
const C1_REQUESTS = Number(process.env.BENCH_C1_REQUESTS ?? 300);
const C1_SLICES = 4;
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
  log("bundling the baseline…");
  mkdirSync(OUT, { recursive: true });
  const shared: BuildOptions = { ...NODE_BUNDLE, absWorkingDir: BENCH_DIR };
  await Promise.all([
    build({ ...shared, entryPoints: ["src/baseline/server.ts"], outfile: BASE_SERVER, target: "node20" }),
    build({ ...shared, entryPoints: ["src/baseline/function.ts"], outfile: BASE_FUNCTION, target: "node22" }),
  ]);
}

// ---------------------------------------------------------------- routes

interface Route {
  name: string;
  db: boolean;
  next(data: BenchData): RequestSpec;
}

const LIST_INPUT = encodeURIComponent(JSON.stringify({ json: { limit: 20 } }));
const ROUTES: Route[] = [
  { name: "/health", db: false, next: () => ({ method: "GET", path: "/health" }) },
  { name: "/health/db", db: true, next: () => ({ method: "GET", path: "/health/db" }) },
  {
    name: "sessions.list",
    db: true,
    next: () => ({ method: "GET", path: `/api/trpc/sessions.list?input=${LIST_INPUT}` }),
  },
  {
    name: "bookings.create",
    db: true,
    next(data) {
      const { token, sessionId } = data.nextBooking();
      return {
        method: "POST",
        path: "/api/trpc/bookings.create",
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ json: { sessionId } }),
      };
    },
  },
];

function environment(data: BenchData): Record<string, string> {
  return {
    APP_ENV: "production",
    // Never contacted: the bench's tokens are HS256, verified with the JWT secret.
    SUPABASE_URL: "http://127.0.0.1:9",
    SUPABASE_ANON_KEY: "bench-anon-key",
    SUPABASE_SERVICE_ROLE_KEY: "bench-service-role-key",
    SUPABASE_DB_URL: data.tdb.directUrl,
    SUPABASE_DB_URL_TRANSACTION: data.tdb.pooledUrl(),
    SUPABASE_JWT_SECRET: BENCH_JWT_SECRET,
    CRON_SECRET: "bench-cron-secret-0123456789",
    RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
    RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "0",
  };
}

/** Waits until every outbox task is done, so that one server's after-response work does not land in the other's slice. */
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

/** A server and the database it alone uses. */
interface Side {
  server: Server;
  data: BenchData;
}

/** Statements and transactions PgBouncer has passed on for one database so far. */
async function poolerCounts(database: string): Promise<{ queries: number; transactions: number }> {
  const row = (await pgbouncerAdmin("SHOW STATS")).find((r) => r.database === database);
  return { queries: Number(row?.total_query_count ?? 0), transactions: Number(row?.total_xact_count ?? 0) };
}

/** Same status, same JSON shape (keys and value types) from ours and the baseline, per route. */
async function compareShapes(sides: Side[]): Promise<string[]> {
  const notes: string[] = [];
  for (const route of ROUTES) {
    const bodies: unknown[] = [];
    for (const { server, data } of sides) {
      const agent = new Agent({ keepAlive: false });
      const reply = await send(agent, server.port, route.next(data), true);
      if (reply.status !== 200)
        notes.push(`${route.name}: ${server.name} answered ${reply.status}: ${reply.body?.slice(0, 200)}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(reply.body ?? "");
      } catch {
        parsed = reply.body;
      }
      bodies.push(parsed);
    }
    const [a, b] = bodies.map((body) => {
      // Volatile values aside (uptime, latency), the shapes must match.
      return JSON.stringify(shapeOf(body));
    });
    if (a !== b) notes.push(`${route.name}: response shapes differ\n    ours     ${a}\n    baseline ${b}`);
    if (route.name === "sessions.list") {
      const items = (bodies[0] as { result?: { data?: { json?: { items?: unknown[] } } } })?.result?.data?.json?.items;
      if (items?.length !== 20) notes.push(`sessions.list: ours returned ${items?.length} items, not 20`);
    }
  }
  return notes;
}

// ---------------------------------------------------------------- measure

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
  statuses: Map<number, number>;
}

function count(tally: Tally, result: LoadResult): number {
  let ok = 0;
  for (const sample of result.samples) {
    tally.requests += 1;
    if (sample.status >= 200 && sample.status < 300) ok += 1;
    else {
      tally.errors += 1;
      tally.statuses.set(sample.status, (tally.statuses.get(sample.status) ?? 0) + 1);
    }
  }
  return ok;
}

async function main() {
  await buildEverything();
  log("creating and seeding a database for each side…");
  // One database each (same seed shape), so that their tables, locks and PgBouncer
  // counters are their own.
  const dataOurs = await createBenchData({ sessions: 300, users: 300 });
  const dataBase = await createBenchData({ sessions: 300, users: 300 });
  const envOurs = environment(dataOurs);
  const envBase = environment(dataBase);
  const servers: Server[] = [];
  try {
    // Cold starts: a fresh process each time, the four kinds interleaved, order rotating.
    const kinds = [
      { key: "fn-ours", args: [LAUNCHER, FUNCTION], env: envOurs },
      { key: "fn-base", args: [LAUNCHER, BASE_FUNCTION], env: envBase },
      { key: "srv-ours", args: [SERVER], env: envOurs },
      { key: "srv-base", args: [BASE_SERVER], env: envBase },
    ];
    const cold: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k.key, []]));
    log(`cold starts: ${COLD_RUNS} rounds × ${kinds.length}…`);
    for (let round = 0; round < COLD_RUNS; round++) {
      for (let i = 0; i < kinds.length; i++) {
        const kind = kinds[(i + round) % kinds.length]!;
        cold[kind.key]!.push(await coldStart({ name: kind.key, args: kind.args, env: kind.env }));
      }
    }

    log("starting both servers…");
    const ours = await spawnServer({ name: "ours", args: [SERVER], env: envOurs });
    servers.push(ours);
    const base = await spawnServer({ name: "baseline", args: [BASE_SERVER], env: envBase });
    servers.push(base);
    const pair = [ours, base] as const;
    const dataOf = new Map<Server, BenchData>([
      [ours, dataOurs],
      [base, dataBase],
    ]);
    const notes = await compareShapes(pair.map((server) => ({ server, data: dataOf.get(server)! })));
    for (const server of pair) await drainOutbox(dataOf.get(server)!);

    const agents = new Map<Server, { c1: Agent; c32: Agent }>(
      pair.map((s) => [
        s,
        { c1: new Agent({ keepAlive: true, maxSockets: 1 }), c32: new Agent({ keepAlive: true, maxSockets: 32 }) },
      ]),
    );
    const tallies = new Map<Server, Tally>(pair.map((s) => [s, { requests: 0, errors: 0, statuses: new Map() }]));
    const numbers = new Map<Server, Map<string, RouteNumbers>>(pair.map((s) => [s, new Map()]));

    log("warming up…");
    for (const route of ROUTES) {
      for (const server of pair) {
        const data = dataOf.get(server)!;
        await load(agents.get(server)!.c32, server.port, () => route.next(data), { concurrency: 4, count: WARMUP });
        if (route.name === "bookings.create") await drainOutbox(data);
      }
    }

    for (const route of ROUTES) {
      log(`${route.name}: c=1 latency, c=32 throughput…`);
      for (const server of pair)
        numbers.get(server)!.set(route.name, {
          c1: [],
          pooler: { queries: 0, transactions: 0, requests: 0 },
          c32: { ok: 0, ms: 0, cpuMs: 0 },
        });
      for (let slice = 0; slice < C1_SLICES; slice++) {
        for (const server of slice % 2 ? [base, ours] : [ours, base]) {
          const data = dataOf.get(server)!;
          const before = await poolerCounts(data.tdb.name);
          const result = await load(agents.get(server)!.c1, server.port, () => route.next(data), {
            concurrency: 1,
            count: Math.ceil(C1_REQUESTS / C1_SLICES),
          });
          count(tallies.get(server)!, result);
          const route1 = numbers.get(server)!.get(route.name)!;
          route1.c1.push(...result.samples.map((s) => s.ms));
          if (route.name === "bookings.create") await drainOutbox(data);
          const after = await poolerCounts(data.tdb.name);
          route1.pooler.queries += after.queries - before.queries;
          route1.pooler.transactions += after.transactions - before.transactions;
          route1.pooler.requests += result.samples.length;
        }
      }
      for (let slice = 0; slice < C32_SLICES; slice++) {
        for (const server of slice % 2 ? [base, ours] : [ours, base]) {
          const data = dataOf.get(server)!;
          const cpuBefore = cpuMs(server.child.pid!);
          const result = await load(agents.get(server)!.c32, server.port, () => route.next(data), {
            concurrency: 32,
            durationMs: C32_MS / C32_SLICES,
          });
          const cpuAfter = cpuMs(server.child.pid!);
          const ok = count(tallies.get(server)!, result);
          const c32 = numbers.get(server)!.get(route.name)!.c32;
          c32.ok += ok;
          c32.ms += result.elapsedMs;
          c32.cpuMs += cpuAfter - cpuBefore;
          if (route.name === "bookings.create") await drainOutbox(data);
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const memory = new Map(pair.map((s) => [s, rssMb(s.child.pid!)]));
    for (const server of pair) {
      const openTasks = await drainOutbox(dataOf.get(server)!, 2_000);
      if (openTasks > 0) notes.push(`${server.name}: ${openTasks} outbox tasks still not done after the load`);
    }

    // ------------------------------------------------------------ report
    const size = (file: string) => ({ bytes: statSync(file).size, gzip: gzipSync(readFileSync(file)).length });
    const bundles = {
      server: size(SERVER_APP),
      function: size(FUNCTION),
      baselineServer: size(BASE_SERVER),
      baselineFunction: size(BASE_FUNCTION),
    };
    const rows: Row[] = [];
    const ms = (v: number, digits = 1) => `${v.toFixed(digits)} ms`;
    const ratio = (a: number, b: number) => a / b;
    const coldRow = (label: string, o: number[], b: number[]) => {
      const mo = median(o);
      const mb = median(b);
      rows.push({
        metric: label,
        ours: ms(mo, 0),
        baseline: ms(mb, 0),
        ratio: ratio(mo, mb),
        target: "≤ 2.0×",
        holds: ratio(mo, mb) <= 2,
        old: oldCheck("< 3 s", mo < 3000),
      });
    };
    coldRow(`cold start, Vercel function (median of ${COLD_RUNS})`, cold["fn-ours"]!, cold["fn-base"]!);
    coldRow(`cold start, server bundle (median of ${COLD_RUNS})`, cold["srv-ours"]!, cold["srv-base"]!);
    for (const route of ROUTES) {
      const o = numbers.get(ours)!.get(route.name)!;
      const b = numbers.get(base)!.get(route.name)!;
      for (const [q, label] of [
        [0.5, "p50"],
        [0.99, "p99"],
      ] as const) {
        const qo = quantile(o.c1, q);
        const qb = quantile(b.c1, q);
        const targeted = q === 0.5 && (route.name === "/health/db" || route.name === "sessions.list");
        rows.push({
          metric: `${route.name} ${label} c=1`,
          ours: ms(qo, 2),
          baseline: ms(qb, 2),
          ratio: ratio(qo, qb),
          target: targeted ? "≤ 2.0×" : "",
          holds: targeted ? ratio(qo, qb) <= 2 : undefined,
          old: oldCheck("< 200 ms", qo < 200),
        });
      }
      const to = (o.c32.ok / o.c32.ms) * 1000;
      const tb = (b.c32.ok / b.c32.ms) * 1000;
      rows.push({
        metric: `${route.name} req/s c=32`,
        ours: `${to.toFixed(0)}/s`,
        baseline: `${tb.toFixed(0)}/s`,
        ratio: ratio(to, tb),
        target: route.db ? "≥ 0.5×" : "",
        holds: route.db ? ratio(to, tb) >= 0.5 : undefined,
        old: "",
      });
      // Not a target: where throughput goes. Server CPU time per answered request at c=32
      // (after-response work such as outbox tasks included); the rest of the box is shared.
      const co = (o.c32.cpuMs * 1000) / Math.max(1, o.c32.ok);
      const cb = (b.c32.cpuMs * 1000) / Math.max(1, b.c32.ok);
      if (route.db) {
        const po = o.pooler;
        const pb = b.pooler;
        rows.push({
          metric: `${route.name} DB statements/req`,
          ours: `${(po.queries / po.requests).toFixed(1)} (${(po.transactions / po.requests).toFixed(1)} tx)`,
          baseline: `${(pb.queries / pb.requests).toFixed(1)} (${(pb.transactions / pb.requests).toFixed(1)} tx)`,
          ratio: ratio(po.queries / po.requests, pb.queries / pb.requests),
          target: "",
          old: "",
        });
      }
      rows.push({
        metric: `${route.name} server CPU/req c=32`,
        ours: `${co.toFixed(0)} µs`,
        baseline: `${cb.toFixed(0)} µs`,
        ratio: ratio(co, cb),
        target: "",
        old: "",
      });
    }
    const mo = memory.get(ours)!;
    const mb = memory.get(base)!;
    rows.push({
      metric: "RSS after load",
      ours: `${mo.rss.toFixed(1)} MB`,
      baseline: `${mb.rss.toFixed(1)} MB`,
      ratio: ratio(mo.rss, mb.rss),
      target: "≤ 1.5× and < 256 MB",
      holds: ratio(mo.rss, mb.rss) <= 1.5 && mo.rss < 256,
      old: oldCheck("< 512 MB", mo.rss < 512),
    });
    rows.push({
      metric: "RSS peak (VmHWM)",
      ours: `${mo.peak.toFixed(1)} MB`,
      baseline: `${mb.peak.toFixed(1)} MB`,
      ratio: ratio(mo.peak, mb.peak),
      target: "",
      old: oldCheck("< 512 MB", mo.peak < 512),
    });
    const mbText = (s: { bytes: number; gzip: number }) =>
      `${(s.bytes / 1e6).toFixed(2)} MB (${(s.gzip / 1e6).toFixed(2)} gz)`;
    rows.push({
      metric: "bundle, Vercel function",
      ours: mbText(bundles.function),
      baseline: mbText(bundles.baselineFunction),
      ratio: ratio(bundles.function.bytes, bundles.baselineFunction.bytes),
      target: "",
      old: "",
    });
    rows.push({
      metric: "bundle, server",
      ours: mbText(bundles.server),
      baseline: mbText(bundles.baselineServer),
      ratio: ratio(bundles.server.bytes, bundles.baselineServer.bytes),
      target: "",
      old: "",
    });
    const to = tallies.get(ours)!;
    const tb = tallies.get(base)!;
    const rate = (t: Tally) => (t.requests ? (100 * t.errors) / t.requests : 0);
    rows.push({
      metric: "errors under load",
      ours: `${to.errors}/${to.requests} (${rate(to).toFixed(2)} %)`,
      baseline: `${tb.errors}/${tb.requests} (${rate(tb).toFixed(2)} %)`,
      ratio: Number.NaN,
      target: "0",
      holds: to.errors === 0,
      old: oldCheck("< 1 %", rate(to) < 1),
    });
    for (const [server, tally] of tallies) {
      if (tally.errors > 0)
        notes.push(
          `${server.name} errors by status: ${[...tally.statuses].map(([s, n]) => `${s || "network"}×${n}`).join(", ")}`,
        );
    }

    printTable(rows);
    const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0);
    console.log(
      `\nnode ${NODE === process.execPath ? process.version : NODE} for the servers, ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(
          " ",
        )}; one run of ${seconds} s; c=1: ${C1_REQUESTS} requests per route and server, c=32: ${(C32_MS / 1000).toFixed(1)} s per route and server, ${C1_SLICES}/${C32_SLICES} alternating slices.`,
    );
    console.log(
      `cold start = spawn → first GET /health/db 200 (fresh process each; functions through packages/bench/src/launcher.mjs); all samples (ms): ${Object.entries(
        cold,
      )
        .map(([k, v]) => `${k} [${v.map((x) => x.toFixed(0)).join(", ")}]`)
        .join("; ")}`,
    );
    console.log("ratio = ours ÷ baseline. old service = the FastAPI service's targets, checked on our number.");
    for (const note of notes) console.log(`note: ${note}`);
    writeFileSync(
      `${OUT}results.json`,
      `${JSON.stringify({ at: new Date().toISOString(), node: process.version, loadavg: loadavg(), rows, cold, bundles }, null, 2)}\n`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await dataOurs.tdb.drop().catch(() => {});
    await dataBase.tdb.drop().catch(() => {});
  }
}

// ---------------------------------------------------------------- table

interface Row {
  metric: string;
  ours: string;
  baseline: string;
  ratio: number;
  target: string;
  holds?: boolean;
  old: string;
}

function oldCheck(target: string, holds: boolean): string {
  return `${target} ${holds ? "✓" : "✗"}`;
}

function printTable(rows: Row[]) {
  const header = ["metric", "ours", "baseline", "ratio", "target", "holds?", "old service"];
  const cells = rows.map((r) => [
    r.metric,
    r.ours,
    r.baseline,
    Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : "",
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

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
