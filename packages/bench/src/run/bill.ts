/**
 * The bill: what a million requests of a route cost on Vercel's Fluid compute, per side,
 * from the three meters Vercel charges (active CPU, provisioned memory, invocations).
 *
 * The rates are inputs, never constants here: packages/bench/vercel-rates.json (with the
 * page they were read from and the date), or another file of that shape (BENCH_RATES or
 * `--rates <file>`), each rate overridable (env BENCH_RATE_CPU_HOUR, BENCH_RATE_GB_HOUR,
 * BENCH_RATE_INVOCATIONS_PER_MILLION; `--cpu-hour`, `--gb-hour`, `--per-million-invocations`).
 * The function's memory is vercel.json's (BENCH_MEMORY_MB / `--memory-mb` to override).
 *
 * Per request: active CPU = the server's CPU time per answered request at c=32 (what
 * Vercel's meter counts: on-CPU time only, I/O waits excluded); provisioned memory = the
 * function's memory for the request's wall time at c=1 (median), i.e. an instance serving
 * one request at a time, the most a request can cost (Fluid's in-instance concurrency
 * shares that time between the requests in flight); one invocation.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BENCH_DIR, REPO } from "../paths.js";

export interface Rates {
  /** The page the rates were read from, and when. */
  source: string;
  seen: string;
  how?: string;
  region: string;
  /** US$ per hour of active CPU. */
  activeCpuPerHour: number;
  /** US$ per GB-hour of provisioned memory. */
  provisionedMemoryPerGbHour: number;
  /** US$ per million invocations. */
  invocationsPerMillion: number;
}

export interface BillInputs {
  rates: Rates;
  /** Where the rates came from: the file, and which were overridden. */
  from: string;
  memoryMb: number;
}

/** A million requests' cost, by meter, in US$. */
export interface Bill {
  cpu: number;
  memory: number;
  invocations: number;
  total: number;
}

const RATE_OPTIONS = {
  rates: { type: "string" },
  "cpu-hour": { type: "string" },
  "gb-hour": { type: "string" },
  "per-million-invocations": { type: "string" },
  "memory-mb": { type: "string" },
} as const;

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0, got "${raw}"`);
  return value;
}

/** The function's memory as vercel.json sets it (the only function there). */
function configuredMemoryMb(): number {
  const config = JSON.parse(readFileSync(`${REPO}vercel.json`, "utf8")) as {
    functions?: Record<string, { memory?: number }>;
  };
  const memory = Object.values(config.functions ?? {})[0]?.memory;
  if (!memory) throw new Error("vercel.json sets no function memory: set BENCH_MEMORY_MB");
  return memory;
}

/** The rates and memory the bill uses: the file, then env, then the command line. */
export function billInputs(argv = process.argv.slice(2), env = process.env): BillInputs {
  const { values } = parseArgs({ args: argv, options: RATE_OPTIONS, strict: false, allowPositionals: true });
  const file = (values.rates as string | undefined) ?? env.BENCH_RATES ?? `${BENCH_DIR}vercel-rates.json`;
  const rates = JSON.parse(readFileSync(file, "utf8")) as Rates;
  const overridden: string[] = [];
  const override = (key: keyof Rates, envName: string, flag: keyof typeof RATE_OPTIONS) => {
    const raw = (values[flag] as string | undefined) ?? env[envName];
    if (raw === undefined || raw === "") return;
    (rates as unknown as Record<string, number>)[key] = positive(flag, raw);
    overridden.push(`${key} ${raw}`);
  };
  override("activeCpuPerHour", "BENCH_RATE_CPU_HOUR", "cpu-hour");
  override("provisionedMemoryPerGbHour", "BENCH_RATE_GB_HOUR", "gb-hour");
  override("invocationsPerMillion", "BENCH_RATE_INVOCATIONS_PER_MILLION", "per-million-invocations");
  for (const key of ["activeCpuPerHour", "provisionedMemoryPerGbHour", "invocationsPerMillion"] as const) {
    if (typeof rates[key] !== "number") throw new Error(`${file}: ${key} must be a number`);
  }
  const memoryRaw = (values["memory-mb"] as string | undefined) ?? env.BENCH_MEMORY_MB;
  const memoryMb = memoryRaw ? positive("memory-mb", memoryRaw) : configuredMemoryMb();
  const relative = file.startsWith(REPO) ? file.slice(REPO.length) : file;
  return {
    rates,
    from: overridden.length ? `${relative}, overridden: ${overridden.join(", ")}` : relative,
    memoryMb,
  };
}

const US_PER_HOUR = 3_600e6;
const MS_PER_HOUR = 3_600e3;

/** A million requests that each use `cpuUs` of CPU and last `wallMs`. */
export function billPerMillion(inputs: BillInputs, cpuUs: number, wallMs: number): Bill {
  const { rates, memoryMb } = inputs;
  const cpu = ((cpuUs * 1e6) / US_PER_HOUR) * rates.activeCpuPerHour;
  const memory = (memoryMb / 1024) * ((wallMs * 1e6) / MS_PER_HOUR) * rates.provisionedMemoryPerGbHour;
  const invocations = rates.invocationsPerMillion;
  return { cpu, memory, invocations, total: cpu + memory + invocations };
}

/** US$ with enough digits to tell cents from fractions of a cent. */
export const dollars = (v: number) => `$${v < 0.1 ? v.toFixed(4) : v.toFixed(3)}`;
