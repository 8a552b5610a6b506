// Cold start of the built Vercel function, process level and part by part. Each run
// spawns a fresh `node`, imports the handler file (as Vercel's Node runtime does) and
// answers a first GET /health/db. Two probes per bundle and round:
//   whole  spawn → import → first /health/db 200, the way a real cold start runs;
//   parts  the same work cut into steps, each timed on its own: module load (import),
//          Prisma load (db.ready(): its runtime is loaded at the first query that needs it),
//          query-compiler start (prisma.$connect(): the WebAssembly compiler is decoded,
//          compiled and instantiated), first connect (a pooled pg connection through
//          PgBouncer), first query (Prisma's first $queryRaw`SELECT 1`), then the handler's
//          first /health/db with all of that already warm (its own first-call cost).
// cpu: the child's own CPU time (user + system) until its answer, the number a busy
// machine disturbs least. Several bundles are compared interleaved (the order rotates every round) and reported as
// medians, because this is a shared, noisy machine. Prints numbers; judges nothing.
//
//   pnpm build:vercel && pnpm --filter @s3ssions/bench bench:cold-start [--runs 7] [--node PATH] [--path P] [bundle.mjs ...]
// --path: the first request's path instead of /health/db, e.g. a tRPC query
// ("/api/trpc/sessions.list?input=…"), whose cold start also loads the router (the tRPC
// route's chunk) and Prisma's client at the first procedure.
// Default bundle: .vercel/output/functions/index.func/<handler>. --node runs the probes with
// another Node binary (e.g. a Node 22 to see `module.enableCompileCache`). A bundle written
// `path+cc` is probed with Node's compile cache enabled before the import (Node ≥ 22.1; a
// no-op on 20), in --compile-cache DIR (default: a fresh temp dir; its first run is a miss).
// SUPABASE_DB_URL_TRANSACTION defaults to the local PgBouncer (127.0.0.1:6543).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const root = new URL("../../../", import.meta.url);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "7" },
    node: { type: "string", default: process.execPath },
    "compile-cache": { type: "string" },
    path: { type: "string", default: "/health/db" },
  },
});
const runs = Number(values.runs);

function defaultBundle() {
  const funcDir = new URL(".vercel/output/functions/index.func/", root);
  const config = JSON.parse(readFileSync(new URL(".vc-config.json", funcDir), "utf8"));
  return fileURLToPath(new URL(config.handler, funcDir));
}
let cacheDir = values["compile-cache"] ? resolve(values["compile-cache"]) : undefined;
const bundles = (positionals.length ? positionals : [defaultBundle()]).map((spec) => {
  const cached = spec.endsWith("+cc");
  if (cached) cacheDir ??= mkdtempSync(join(tmpdir(), "bench-compile-cache-"));
  const file = resolve(cached ? spec.slice(0, -3) : spec);
  if (!existsSync(file)) throw new Error(`no such bundle: ${file}`);
  return { file, cacheDir: cached ? cacheDir : undefined, label: spec };
});

const env = {
  PATH: process.env.PATH,
  APP_ENV: "test",
  SUPABASE_DB_URL_TRANSACTION:
    process.env.SUPABASE_DB_URL_TRANSACTION ??
    "postgresql://postgres@127.0.0.1:6543/postgres?pgbouncer=true&connection_limit=1",
};

// Runs in the child. Times are from the child's own start (performance.timeOrigin).
// The handler logs to stdout too; the report is the line marked BENCH.
const probe = (bundle, mode, cacheDir) => `
import module from "node:module";
const t0 = performance.now();
${cacheDir ? `module.enableCompileCache?.(${JSON.stringify(cacheDir)});` : ""}
const mod = await import(${JSON.stringify(pathToFileURL(bundle).href)});
const t1 = performance.now();
const out = { boot: t0, load: t1 - t0 };
const db = globalThis[Symbol.for("s3ssions.database")];
if (${JSON.stringify(mode)} === "parts" && db) {
  let t = performance.now();
  const lap = (name) => { const now = performance.now(); out[name] = now - t; t = now; };
  // Before lazy loading (an older bundle), the client is there from the start.
  const prisma = db.ready ? await db.ready() : db.prisma; lap("prismaLoad");
  await prisma.$connect(); lap("compiler");
  (await db.pool.connect()).release(); lap("connect");
  await prisma.$queryRaw\`SELECT 1\`; lap("firstQuery");
}
const t2 = performance.now();
const res = await mod.default.fetch(new Request("https://bench.local" + ${JSON.stringify(values.path)}));
const body = await res.text();
out.request = performance.now() - t2;
out.status = res.status;
out.rssMb = process.memoryUsage.rss() / 1048576;
const cpu = process.cpuUsage();
out.cpuMs = (cpu.user + cpu.system) / 1000;
if (res.status !== 200) out.body = body;
process.stdout.write("BENCH " + JSON.stringify(out) + "\\n");
process.exit(0);
`;

function timed(args) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(values.node, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    let answeredAt;
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (answeredAt === undefined && /^BENCH .*\n/m.test(out)) answeredAt = performance.now();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      // Until the answer is out (the child's exit is not part of a cold start).
      const ms = (answeredAt ?? performance.now()) - started;
      if (code !== 0) return reject(new Error(`exit ${code}: ${out}`));
      const line = out.split("\n").find((l) => l.startsWith("BENCH "));
      const report = line ? JSON.parse(line.slice(6)) : undefined;
      if (report?.status !== 200) return reject(new Error(`${values.path} answered ${report?.status}: ${report?.body}`));
      resolveRun({ ms, ...report });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(0)}` : "-").padStart(5);

const whole = bundles.map(() => []);
const parts = bundles.map(() => []);
const bare = [];
for (let round = 0; round < runs; round++) {
  bare.push((await timed(["-e", "process.stdout.write('BENCH {\"status\":200}\\n')"])).ms);
  for (let k = 0; k < bundles.length; k++) {
    const i = (k + round) % bundles.length;
    const { file, cacheDir: cc } = bundles[i];
    whole[i].push(await timed(["--input-type=module", "-e", probe(file, "whole", cc)]));
    parts[i].push(await timed(["--input-type=module", "-e", probe(file, "parts", cc)]));
  }
}

const version = await new Promise((done) => {
  const c = spawn(values.node, ["-v"]);
  let v = "";
  c.stdout.on("data", (d) => (v += d));
  c.on("exit", () => done(v.trim()));
});
console.log(
  `node ${version}, ${runs} rounds, interleaved; medians in ms; node -e 0 (spawn → exit): ${fmt(median(bare))}`,
);
console.log(
  `${"bundle".padEnd(28)} ${"MB".padStart(5)} ${"gzip".padStart(5)} | ${"cold".padStart(5)} ${"boot".padStart(5)} ${"load".padStart(5)} ${"req".padStart(5)} | ${"load".padStart(5)} ${"prsma".padStart(5)} ${"compl".padStart(5)} ${"conn".padStart(5)} ${"query".padStart(5)} ${"req".padStart(5)} | ${"rss".padStart(4)} ${"cpu".padStart(5)}`,
);
console.log(`${"".padEnd(28)} ${"".padStart(11)} | ${"whole: spawn → 200".padEnd(23)} | ${"parts".padEnd(35)} |`);
for (let i = 0; i < bundles.length; i++) {
  const w = whole[i];
  const p = parts[i];
  const pick = (xs, key) => median(xs.map((x) => x[key] ?? Number.NaN));
  const { file, label } = bundles[i];
  const name = label.replace(fileURLToPath(root), "");
  console.log(
    `${name.slice(-28).padEnd(28)} ${(statSync(file).size / 1e6).toFixed(2).padStart(5)} ${(gzipSync(readFileSync(file)).length / 1e6).toFixed(2).padStart(5)} | ${fmt(pick(w, "ms"))} ${fmt(pick(w, "boot"))} ${fmt(pick(w, "load"))} ${fmt(pick(w, "request"))} | ${fmt(pick(p, "load"))} ${fmt(pick(p, "prismaLoad"))} ${fmt(pick(p, "compiler"))} ${fmt(pick(p, "connect"))} ${fmt(pick(p, "firstQuery"))} ${fmt(pick(p, "request"))} | ${fmt(pick(w, "rssMb")).slice(1)} ${fmt(pick(w, "cpuMs"))}`,
  );
}
