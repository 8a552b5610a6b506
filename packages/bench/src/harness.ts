/**
 * What the benchmarks share: a seeded database behind the pooler, server processes, an
 * HTTP load generator (keep-alive, fixed concurrency), interleaved measurement and stats.
 * Nothing here judges: it returns numbers.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { createInterface } from "node:readline";
import {
  createTestDatabase,
  ensurePgBouncer,
  type ShutdownReport,
  signHs256,
  sql,
  type TestDatabase,
} from "@s3ssions/testing";

export const BENCH_JWT_SECRET = "bench-jwt-secret-with-at-least-32-characters!!";
/** Never contacted: the bench's tokens are HS256, verified with the JWT secret; it names their issuer. */
const BENCH_SUPABASE_URL = "https://127.0.0.1:9";

// ---------------------------------------------------------------- database

export interface BenchData {
  tdb: TestDatabase;
  sessionIds: string[];
  tokens: string[];
  /** A (user, session) pair never booked before, shared by every server in one run. */
  nextBooking(): { token: string; sessionId: string };
}

/** A fresh migrated database with `sessions` future sessions (huge capacity) and `users` signed-in users. */
export async function createBenchData(options: { sessions: number; users: number }): Promise<BenchData> {
  await ensurePgBouncer();
  const tdb = await createTestDatabase("bench");
  const now = Date.now();
  const rows: unknown[] = [];
  const sessionIds: string[] = [];
  for (let i = 0; i < options.sessions; i++) {
    const id = randomUUID();
    sessionIds.push(id);
    const startsAt = new Date(now + 86_400_000 + i * 3_600_000);
    rows.push([
      id,
      randomUUID(),
      `Bench session ${i}`,
      i % 3 === 0 ? null : "A session the benchmark books into",
      startsAt,
      new Date(startsAt.getTime() + 3_600_000),
      "Europe/Berlin",
      i % 2 === 0 ? "Studio 3" : null,
      i % 2 === 0 ? null : "https://meet.example.com/bench",
      1_000_000,
    ]);
  }
  await sql(
    tdb.directUrl,
    `INSERT INTO sessions (id, host_id, title, description, starts_at, ends_at, timezone, location, online_url, capacity, updated_at)
     SELECT (r->>0)::uuid, (r->>1)::uuid, r->>2, r->>3, (r->>4)::timestamptz, (r->>5)::timestamptz, r->>6, r->>7, r->>8, (r->>9)::int, now()
     FROM jsonb_array_elements($1::jsonb) AS r`,
    [JSON.stringify(rows)],
  );
  await sql(tdb.directUrl, "ANALYZE");
  const tokens = await Promise.all(
    Array.from({ length: options.users }, () =>
      signHs256(BENCH_JWT_SECRET, { sub: randomUUID() }, { supabaseUrl: BENCH_SUPABASE_URL }),
    ),
  );
  let k = 0;
  return {
    tdb,
    sessionIds,
    tokens,
    nextBooking() {
      // Consecutive bookings hit different sessions; a pair repeats only after sessions × users.
      const i = k++;
      const sessionId = sessionIds[i % sessionIds.length] as string;
      const token = tokens[Math.floor(i / sessionIds.length) % tokens.length] as string;
      return { token, sessionId };
    },
  };
}

/** What a server under test needs in production mode, on `data`'s database. */
export function benchEnvironment(data: BenchData): Record<string, string> {
  return {
    APP_ENV: "production",
    SUPABASE_URL: BENCH_SUPABASE_URL,
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

// ---------------------------------------------------------------- processes

/** The Node that runs the servers and functions: BENCH_NODE (e.g. a Node 22, as on Vercel), else this one. */
export const NODE = process.env.BENCH_NODE || process.execPath;
/** Its version (`v24.…`), asked of the binary itself: results are compared across Node versions. */
export const NODE_VERSION =
  NODE === process.execPath ? process.version : execFileSync(NODE, ["--version"], { encoding: "utf8" }).trim();

export interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  /** Milliseconds from spawn to the "listening" line. */
  listeningAfterMs: number;
  /** SIGTERM (SIGKILL after 5 s), and what the server's log said about its shutdown. Once. */
  stop(): Promise<ShutdownReport>;
}

export interface SpawnOptions {
  name: string;
  args: string[];
  env: Record<string, string | undefined>;
  timeoutMs?: number;
  /** The Node binary (NODE unless set). */
  node?: string;
}

/** Spawns `node …args` and resolves once it logs `"msg":"listening"` with its port. stdout is drained. */
export async function spawnServer(options: SpawnOptions): Promise<Server> {
  const started = performance.now();
  const child = spawn(options.node ?? NODE, options.args, {
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit");
  const tail: string[] = [];
  // Only the shutdown's lines: a server under load logs a line per request.
  const shutdownLines: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${options.name}: not listening after ${options.timeoutMs ?? 20_000} ms`)),
      options.timeoutMs ?? 20_000,
    );
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on("line", (line) => {
        if (tail.length < 50) tail.push(line);
        if (/"msg":"(shutting down|requests drained|stopped)"/.test(line)) shutdownLines.push(line);
        if (line.includes('"msg":"listening"')) {
          clearTimeout(timer);
          resolve(Number(JSON.parse(line).port));
        }
      });
    }
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${code} before listening:\n${tail.join("\n")}`));
    });
  });
  let stopped: Promise<ShutdownReport> | undefined;
  return {
    name: options.name,
    child,
    port,
    listeningAfterMs: performance.now() - started,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
          await exited;
          clearTimeout(timer);
        }
        const line = (msg: string) => shutdownLines.find((l) => l.includes(`"msg":"${msg}"`));
        const signalled = line("shutting down");
        return {
          inFlightAtSignal: signalled ? Number(JSON.parse(signalled).inFlight) : undefined,
          drained: line("requests drained") !== undefined && line("stopped") !== undefined,
          exitCode: child.exitCode,
        };
      })();
      return stopped;
    },
  };
}

/** Spawn → first GET `path` answered 200, in ms; the process is killed afterwards. */
export async function coldStart(options: SpawnOptions, path = "/health/db"): Promise<number> {
  const started = performance.now();
  const server = await spawnServer(options);
  try {
    const agent = new Agent({ keepAlive: false });
    for (let attempt = 0; attempt < 100; attempt++) {
      const { status } = await send(agent, server.port, { method: "GET", path });
      if (status === 200) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${options.name}: ${path} never answered 200`);
  } finally {
    server.child.kill("SIGKILL");
    await once(server.child, "exit").catch(() => {});
  }
}

/** Resident set size of a process, in MB (Linux). */
export function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** CPU time (user + system) a process has used so far, in ms (Linux; 10 ms resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces), 1-based: 14 utime, 15 stime.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/**
 * Ends a script's process once its work settles: 0 when it is done, 1 with the error
 * printed. Keep-alive agents and pools would hold the process open otherwise.
 */
export function exitWhenSettled(work: Promise<void>): void {
  work.then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------- HTTP load

export interface RequestSpec {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Sample {
  status: number;
  ms: number;
}

/** One request; status 0 for a network error. The body is read and dropped. */
export function send(
  agent: Agent,
  port: number,
  spec: RequestSpec,
  keepBody = false,
): Promise<Sample & { body?: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(spec.body));
    }
    const req = httpRequest(
      { host: "127.0.0.1", port, method: spec.method, path: spec.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        if (keepBody) res.on("data", (chunk: Buffer) => chunks.push(chunk));
        else res.resume();
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            body: keepBody ? Buffer.concat(chunks).toString("utf8") : undefined,
          }),
        );
        res.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
      },
    );
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(spec.body);
  });
}

export interface LoadResult {
  samples: Sample[];
  elapsedMs: number;
}

/**
 * `concurrency` loops sending `next()` requests back to back, until `count` requests were
 * sent or `durationMs` passed (whichever is given), over keep-alive connections.
 */
export async function load(
  agent: Agent,
  port: number,
  next: () => RequestSpec,
  options: { concurrency: number; count?: number; durationMs?: number },
): Promise<LoadResult> {
  const samples: Sample[] = [];
  const started = performance.now();
  const deadline = options.durationMs !== undefined ? started + options.durationMs : Number.POSITIVE_INFINITY;
  let budget = options.count ?? Number.POSITIVE_INFINITY;
  const loop = async () => {
    while (budget > 0 && performance.now() < deadline) {
      budget -= 1;
      samples.push(await send(agent, port, next()));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  return { samples, elapsedMs: performance.now() - started };
}

// ---------------------------------------------------------------- stats

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

export const median = (values: number[]) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** The JSON shape of a value (keys and value types, recursively; arrays by their first item). */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (value === null) return "null";
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
    );
  }
  return typeof value;
}
