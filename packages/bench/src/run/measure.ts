/**
 * How `pnpm bench` measures: cold starts of fresh processes, and per route c=1 latency and
 * c=32 throughput with server CPU, the sides taking turns slice by slice (a shared machine:
 * ratios within one run, interleaved, not back-to-back runs).
 */
import { coldStart, cpuMs, load, type SpawnOptions } from "../harness.js";
import type { BenchRoute } from "../routes.js";
import { drainOutbox, poolerCounts } from "./database-counters.js";
import { count, rotated, type Side } from "./sides.js";

export const COLD_RUNS = Math.max(5, Number(process.env.BENCH_COLD_RUNS ?? 7));
export const C1_REQUESTS = Number(process.env.BENCH_C1_REQUESTS ?? 300);
export const C1_SLICES = 3;
export const C32_MS = Number(process.env.BENCH_C32_SECONDS ?? 4.5) * 1000;
export const C32_SLICES = 3;
/** Requests of every route to every side before measuring (V8 still compiles hot code for a while after). */
const WARMUP = Math.max(1, Number(process.env.BENCH_WARMUP ?? 150));

/** A process to cold-start, and the first request it answers (default GET /health/db). */
export type ColdStartKind = SpawnOptions & { path?: string };

/** Spawn → first 200 of each kind, COLD_RUNS rounds, the kinds interleaved, order rotating. */
export async function coldStarts(kinds: ColdStartKind[]): Promise<Record<string, number[]>> {
  const cold: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k.name, []]));
  for (let round = 0; round < COLD_RUNS; round++) {
    for (const kind of rotated(kinds, round)) cold[kind.name]!.push(await coldStart(kind, kind.path));
  }
  return cold;
}

/** WARMUP (BENCH_WARMUP, 150) requests of every route to every side at c=4, the outbox drained after bookings. */
export async function warmUp(sides: Side[], routes: readonly BenchRoute[]): Promise<void> {
  for (const route of routes) {
    for (const s of sides) {
      await load(s.c32, s.server.port, () => route.next(s.data), { concurrency: 4, count: WARMUP });
      if (route.name === "bookings.create") await drainOutbox(s.data);
    }
  }
}

/**
 * One route on every side: c=1 latency with PgBouncer's counts, then c=32 throughput with
 * server CPU — on the other runtimes' sides (`elsewhere`) c=32 only, in the same rotation.
 */
export async function measureRoute(sides: Side[], route: BenchRoute, elsewhere: Side[] = []): Promise<void> {
  for (const s of [...sides, ...elsewhere])
    s.numbers.set(route.name, {
      c1: [],
      pooler: { queries: 0, transactions: 0, requests: 0 },
      c32: { ok: 0, requests: 0, ms: 0, cpuMs: 0, queries: 0 },
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
  const everywhere = [...sides, ...elsewhere];
  for (let slice = 0; slice < C32_SLICES; slice++) {
    for (const s of rotated(everywhere, slice)) {
      const pooled = route.db ? await poolerCounts(s.data.tdb.name) : undefined;
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
      c32.requests += result.samples.length;
      c32.ms += result.elapsedMs;
      c32.cpuMs += cpuAfter - cpuBefore;
      if (pooled) c32.queries += (await poolerCounts(s.data.tdb.name)).queries - pooled.queries;
    }
  }
}
