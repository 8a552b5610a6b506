/**
 * One engine, measured: first start of an empty data directory, memory idle and under the
 * workload, whether the transactions' counts add up, the data directory's size, and
 * restarts of the existing directory (does the data survive?).
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@s3ssions/testing";
import type { Engine, Running, Target } from "./engines.js";
import { memoryOf, memorySampler } from "./process-memory.js";
import {
  client,
  type LoadResult,
  load,
  parameterised,
  QUERIES,
  simpleSelect,
  TRANSACTIONS,
  transaction,
} from "./workload.js";

export const RESTARTS = 3;

async function firstQuery(target: Target): Promise<void> {
  const c = client(target);
  await c.connect();
  await c.query("SELECT 1");
  await c.end();
}

/** Start (or restart) and run one query: the time a developer waits. */
async function timedStart(engine: Engine, dataDir: string, port: number): Promise<{ running: Running; ms: number }> {
  const started = performance.now();
  const running = await engine.start(dataDir, port);
  await firstQuery(running.target);
  return { running, ms: performance.now() - started };
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

export interface EngineResult {
  name: string;
  version: string;
  firstStartMs: number;
  restartMs: number[];
  dataMb: number;
  idle: { rssMb: number; pssMb: number; processes: number };
  peak: { peakRss: number; peakPss: number };
  simple: LoadResult;
  extended: LoadResult;
  tx: LoadResult;
  consistent: string;
  survivesRestart: string;
}

export async function measure(engine: Engine): Promise<EngineResult> {
  const root = await mkdtemp(join(tmpdir(), "s3ssions-bench-"));
  const dataDir = join(root, "data");
  const port = await freePort();
  try {
    const first = await timedStart(engine, dataDir, port);
    let running = first.running;
    const { target } = running;
    const c = client(target);
    await c.connect();
    const version = (await c.query("SELECT current_setting('server_version') AS v")).rows[0].v as string;
    await c.query("CREATE TABLE bench_counter (id int PRIMARY KEY, n int NOT NULL)");
    await c.query("INSERT INTO bench_counter VALUES (1, 0)");
    await c.query("CREATE TABLE bench_events (id serial PRIMARY KEY, worker int NOT NULL, i int NOT NULL)");
    await c.end();
    await new Promise((r) => setTimeout(r, 300));
    const idle = await memoryOf(running.pid);

    const sampler = memorySampler(running.pid);
    const simple = await load(target, QUERIES, simpleSelect);
    const extended = await load(target, QUERIES, parameterised);
    const tx = await load(target, TRANSACTIONS, transaction);
    const peak = await sampler.stop();

    const check = client(target);
    await check.connect();
    const counts = (
      await check.query(
        "SELECT (SELECT n FROM bench_counter WHERE id = 1) AS counter, (SELECT count(*)::int FROM bench_events) AS events",
      )
    ).rows[0] as { counter: number; events: number };
    await check.end();
    const committed = tx.ops - tx.errors;
    const consistent =
      counts.counter === committed && counts.events === committed
        ? `yes (${committed} committed)`
        : `NO: counter ${counts.counter}, events ${counts.events}, committed ${committed}`;

    await running.stop();
    const dataMb = (await directorySize(dataDir)) / 1024 / 1024;
    const restartMs: number[] = [];
    let survivesRestart = "";
    for (let i = 0; i < RESTARTS; i++) {
      const again = await timedStart(engine, dataDir, port);
      restartMs.push(again.ms);
      running = again.running;
      if (i === 0) {
        const c2 = client(running.target);
        await c2.connect();
        const events = (await c2.query("SELECT count(*)::int AS n FROM bench_events")).rows[0].n as number;
        await c2.end();
        survivesRestart = events === counts.events ? "yes" : `NO (${events} of ${counts.events} rows)`;
      }
      await running.stop();
    }
    return {
      name: engine.name,
      version,
      firstStartMs: first.ms,
      restartMs,
      dataMb,
      idle,
      peak,
      simple,
      extended,
      tx,
      consistent,
      survivesRestart,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
