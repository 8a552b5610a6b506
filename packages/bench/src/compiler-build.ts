/**
 * Prisma's `compilerBuild` ("fast" vs "small" query compiler) measured on the server
 * bundle, side by side in one run: bundle size, cold start (spawn → first /health/db 200),
 * p50/p99 at c=1 and req/s at c=32 for the DB routes, RSS after the load. Both bundles are
 * built here from src/main.ts, whatever the schema says, by pointing the generated client at
 * one compiler or the other (the two builds share their JS glue; only the wasm differs).
 *
 *   pnpm --filter @s3ssions/bench bench:compiler-build
 */
import { mkdirSync, statSync } from "node:fs";
import { Agent } from "node:http";
import { build } from "esbuild";
import { NODE_BUNDLE } from "@s3ssions/app-api/bundle-options.mjs";
import {
  BENCH_JWT_SECRET,
  coldStart,
  createBenchData,
  exitWhenSettled,
  load,
  median,
  quantile,
  rssMb,
  type Server,
  spawnServer,
} from "./harness.js";
import { APP, OUT } from "./paths.js";
import { type CompilerBuild, compilerBuildPlugin } from "./prisma-compiler-build.js";
import { DB_ROUTES } from "./routes.js";

const BUILDS = ["fast", "small"] as const satisfies CompilerBuild[];

async function bundle(wanted: CompilerBuild): Promise<string> {
  const outfile = `${OUT}server-${wanted}.mjs`;
  await build({
    absWorkingDir: APP,
    entryPoints: ["src/main.ts"],
    outfile,
    ...NODE_BUNDLE,
    target: "node20",
    plugins: [compilerBuildPlugin(wanted)],
  });
  return outfile;
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const files = Object.fromEntries(await Promise.all(BUILDS.map(async (b) => [b, await bundle(b)] as const)));
  const data = await createBenchData({ sessions: 300, users: 300 });
  const env = {
    APP_ENV: "test",
    SUPABASE_DB_URL_TRANSACTION: data.tdb.pooledUrl(),
    SUPABASE_JWT_SECRET: BENCH_JWT_SECRET,
    RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
  };
  const cold: Record<string, number[]> = { fast: [], small: [] };
  for (let round = 0; round < 7; round++) {
    for (const b of round % 2 ? [...BUILDS].reverse() : BUILDS) {
      cold[b]!.push(await coldStart({ name: b, args: [files[b]!], env }));
    }
  }
  const servers = new Map<CompilerBuild, Server>();
  try {
    for (const b of BUILDS) servers.set(b, await spawnServer({ name: b, args: [files[b]!], env }));
    const agents = new Map(BUILDS.map((b) => [b, new Agent({ keepAlive: true, maxSockets: 32 })]));
    const one = new Map(BUILDS.map((b) => [b, new Agent({ keepAlive: true, maxSockets: 1 })]));
    for (const route of DB_ROUTES) {
      const next = () => route.next(data);
      for (const b of BUILDS) await load(agents.get(b)!, servers.get(b)!.port, next, { concurrency: 4, count: 200 });
    }
    console.log(`| route | build | p50 c=1 | p99 c=1 | req/s c=32 |`);
    console.log(`|---|---|---|---|---|`);
    for (const route of DB_ROUTES) {
      const next = () => route.next(data);
      const c1: Record<string, number[]> = { fast: [], small: [] };
      const c32: Record<string, { ok: number; ms: number }> = { fast: { ok: 0, ms: 0 }, small: { ok: 0, ms: 0 } };
      for (let slice = 0; slice < 6; slice++) {
        for (const b of slice % 2 ? [...BUILDS].reverse() : BUILDS) {
          const r = await load(one.get(b)!, servers.get(b)!.port, next, { concurrency: 1, count: 60 });
          c1[b]!.push(...r.samples.filter((s) => s.status === 200).map((s) => s.ms));
        }
      }
      for (let slice = 0; slice < 4; slice++) {
        for (const b of slice % 2 ? [...BUILDS].reverse() : BUILDS) {
          const r = await load(agents.get(b)!, servers.get(b)!.port, next, { concurrency: 32, durationMs: 1000 });
          c32[b]!.ok += r.samples.filter((s) => s.status === 200).length;
          c32[b]!.ms += r.elapsedMs;
        }
      }
      for (const b of BUILDS) {
        console.log(
          `| ${route.name} | ${b} | ${quantile(c1[b]!, 0.5).toFixed(2)} ms | ${quantile(c1[b]!, 0.99).toFixed(2)} ms | ${((c32[b]!.ok / c32[b]!.ms) * 1000).toFixed(0)}/s |`,
        );
      }
    }
    for (const b of BUILDS) {
      const { rss, peak } = rssMb(servers.get(b)!.child.pid!);
      console.log(
        `${b}: bundle ${(statSync(files[b]!).size / 1e6).toFixed(2)} MB, cold start median ${median(cold[b]!).toFixed(0)} ms [${cold[b]!.map((x) => x.toFixed(0)).join(", ")}], RSS after load ${rss.toFixed(0)} MB (peak ${peak.toFixed(0)} MB)`,
      );
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await data.tdb.drop().catch(() => {});
  }
}

exitWhenSettled(main());
