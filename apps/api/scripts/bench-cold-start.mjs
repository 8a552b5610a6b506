// Cold start of the built Vercel function, process level: spawn `node`, import the
// handler from .vercel/output (as the Node runtime does), answer a first GET /health/db
// with 200. Median of N runs next to a bare `node -e 0`. Prints numbers; judges nothing.
//
//   pnpm build:vercel && node apps/api/scripts/bench-cold-start.mjs [runs=5]
// SUPABASE_DB_URL_TRANSACTION defaults to the local PgBouncer (127.0.0.1:6543).
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = new URL("../../../", import.meta.url);
const funcDir = new URL(".vercel/output/functions/index.func/", root);
const config = JSON.parse(readFileSync(new URL(".vc-config.json", funcDir), "utf8"));
const handler = new URL(config.handler, funcDir);
const runs = Number(process.argv[2] ?? 5);
const env = {
  PATH: process.env.PATH,
  APP_ENV: "test",
  SUPABASE_DB_URL_TRANSACTION:
    process.env.SUPABASE_DB_URL_TRANSACTION ??
    "postgresql://postgres@127.0.0.1:6543/postgres?pgbouncer=true&connection_limit=1",
};

// Runs in the child: times are from the child's own start (performance.timeOrigin). The
// handler may log to stdout too; the report is the line marked BENCH.
const probe = `
const t0 = performance.now();
const mod = await import(${JSON.stringify(pathToFileURL(handler.pathname).href)});
const t1 = performance.now();
const res = await mod.default.fetch(new Request("https://bench.local/health/db"));
const body = await res.text();
const t2 = performance.now();
process.stdout.write("BENCH " + JSON.stringify({ status: res.status, body, boot: t0, importMs: t1 - t0, firstRequestMs: t2 - t1 }) + "\\n");
process.exit(0);
`;

function timed(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    let answeredAt;
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (answeredAt === undefined && /^BENCH .*\n/m.test(out)) answeredAt = performance.now();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      // Until the answer is out (the child's exit is not part of a cold start), or exit.
      const ms = (answeredAt ?? performance.now()) - started;
      if (code !== 0) return reject(new Error(`exit ${code}: ${out}`));
      const line = out.split("\n").find((l) => l.startsWith("BENCH "));
      resolve({ ms, report: line ? JSON.parse(line.slice(6)) : undefined });
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (ms) => `${ms.toFixed(0)} ms`;

const bare = [];
const cold = [];
for (let i = 0; i < runs; i++) {
  bare.push((await timed(["-e", "0"])).ms);
  const { ms, report } = await timed(["--input-type=module", "-e", probe]);
  if (report.status !== 200) throw new Error(`/health/db answered ${report.status}: ${report.body}`);
  cold.push({ ms, ...report });
}

const size = statSync(handler).size;
const gzip = gzipSync(readFileSync(handler)).length;
console.log(`node ${process.version}, ${runs} runs, handler ${config.handler} (runtime ${config.runtime})`);
console.log(`bundle: ${(size / 1e6).toFixed(2)} MB (${(gzip / 1e6).toFixed(2)} MB gzip)`);
console.log(`node -e 0                          median ${fmt(median(bare))}   [${bare.map(fmt).join(", ")}]`);
console.log(
  `spawn → import → /health/db 200   median ${fmt(median(cold.map((c) => c.ms)))}   [${cold.map((c) => fmt(c.ms)).join(", ")}]`,
);
console.log(
  `  inside the process: boot ${fmt(median(cold.map((c) => c.boot)))}, import ${fmt(median(cold.map((c) => c.importMs)))}, first /health/db ${fmt(median(cold.map((c) => c.firstRequestMs)))} (medians)`,
);
