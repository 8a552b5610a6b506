/**
 * Where a route's server CPU goes: the production server, bundled unminified (same code,
 * readable names), profiled by V8 (src/profile-probe.mjs) while one route is loaded at
 * concurrency 32 (start-up and warm-up left out),
 * then the profile's self time attributed to the source file each function came from
 * (esbuild's `// path` module markers) and printed in µs per answered request, by file and
 * by function. Garbage collection and idle time are their own rows. Prints numbers only.
 *
 *   pnpm --filter @s3ssions/bench bench:profile [route] [--seconds 8] [--top 40] [--side ours|peer|raw]
 *     [--node machine|<major>|<path>] [--node-flags="…"]
 * route: health, health-db, list (default), by-id, booking, mine. --side profiles the peer or the raw
 * baseline instead of ours (the same sides as `pnpm bench`); --node runs it on another Node,
 * e.g. `--node 24`, the runtime the function ships on (installed from npm like the bench's).
 * --node-flags are given to the profiled server's Node, e.g. --node-flags=--no-turbo-inlining to see
 * the time of small functions V8 otherwise counts as their caller's.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { NODE_BUNDLE } from "@s3ssions/app-api/bundle-options.mjs";
import { build } from "esbuild";
import { benchEnvironment, createBenchData, exitWhenSettled, load, spawnServer } from "./harness.js";
import { APP, BENCH_DIR, OUT } from "./paths.js";
import { compilerBuildPlugin } from "./prisma-compiler-build.js";
import { routeByKey } from "./routes.js";
import { resolveNode } from "./run/runtimes.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: "string", default: "8" },
    top: { type: "string", default: "40" },
    side: { type: "string", default: "ours" },
    node: { type: "string", default: "machine" },
    "node-flags": { type: "string", default: "" },
  },
});

const PROBE = fileURLToPath(new URL("./profile-probe.mjs", import.meta.url));
const route = routeByKey(positionals[0] ?? "list");

/** What each side's profiled bundle is built from: the entries `pnpm bench` bundles, unminified. */
const SIDE_BUILDS = {
  ours: { dir: APP, entry: "src/main.ts", plugins: [] },
  peer: { dir: BENCH_DIR, entry: "src/peer/server.ts", plugins: [compilerBuildPlugin("fast")] },
  raw: { dir: BENCH_DIR, entry: "src/baseline/server.ts", plugins: [] },
} as const;
type SideName = keyof typeof SIDE_BUILDS;
if (!(values.side in SIDE_BUILDS))
  throw new Error(`--side ${values.side}: one of ${Object.keys(SIDE_BUILDS).join(", ")}`);
const side = values.side as SideName;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Line ranges of an unminified esbuild bundle → the source file each came from. */
function moduleMap(bundle: string): (line: number) => string {
  const starts: { line: number; file: string }[] = [];
  readFileSync(bundle, "utf8")
    .split("\n")
    .forEach((text, line) => {
      const marker = /^\/\/ (\S+\.(?:[cm]?[jt]s|json))$/.exec(text);
      if (marker) starts.push({ line, file: marker[1]! });
    });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "(bundle prelude)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]!.line <= line) {
        found = starts[mid]!.file;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** A source path shortened to what it belongs to: a package (by name) or our own file. */
function area(file: string): string {
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(file);
  if (pkg) return `${pkg[1]}/${pkg[2]!.replace(/^dist\//, "")}`;
  return file.replace(/^(\.\.\/)+/, "");
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const bundle = `${OUT}profile-${side}.mjs`;
  const { dir, entry, plugins } = SIDE_BUILDS[side];
  await build({
    ...NODE_BUNDLE,
    minify: false,
    keepNames: true,
    absWorkingDir: dir,
    entryPoints: [entry],
    outfile: bundle,
    target: "node20",
    plugins: [...plugins],
  });
  const node = resolveNode(values.node, (message) => console.error(`[profile] ${message}`));
  const profileFile = `${OUT}profile-${side}.cpuprofile`;
  rmSync(profileFile, { force: true });
  const data = await createBenchData({ sessions: 300, users: 300 });
  try {
    const server = await spawnServer({
      name: "profiled",
      node,
      args: [...values["node-flags"].split(" ").filter(Boolean), "--import", pathToFileURL(PROBE).href, bundle],
      env: { ...benchEnvironment(data), PROFILE_OUT: profileFile },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    await load(agent, server.port, () => route.next(data), { concurrency: 8, count: 300 });
    // Only the measured load is profiled: start-up and warm-up are not.
    server.child.kill("SIGUSR2");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = await load(agent, server.port, () => route.next(data), {
      concurrency: 32,
      durationMs: Number(values.seconds) * 1000,
    });
    server.child.kill("SIGUSR2");
    const answered = result.samples.filter((s) => s.status >= 200 && s.status < 300).length;
    for (let i = 0; i < 100 && !existsSync(profileFile); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    agent.destroy();
    await server.stop();
    const profile = JSON.parse(readFileSync(profileFile, "utf8")) as CpuProfile;
    report(profile, moduleMap(bundle), bundle, answered, route.key);
  } finally {
    await data.tdb.drop().catch(() => {});
  }
}

function report(
  profile: CpuProfile,
  fileOf: (line: number) => string,
  bundle: string,
  answered: number,
  route: string,
) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)!;
    let where: string;
    if (callFrame.functionName === "(idle)") continue;
    // Native work outside any JS function (the HTTP parser, libuv, …) is "(program)".
    if (callFrame.functionName === "(garbage collector)" || callFrame.functionName === "(program)")
      where = callFrame.functionName;
    else if (callFrame.url.endsWith(bundle.split("/").at(-1)!)) where = area(fileOf(callFrame.lineNumber));
    else if (callFrame.url.startsWith("node:") || callFrame.url === "")
      where = `node:${callFrame.url.replace(/^node:/, "") || "(native)"}`;
    else where = callFrame.url;
    busy += us;
    byFile.set(where, (byFile.get(where) ?? 0) + us);
    const fn = `${callFrame.functionName || "(anonymous)"}  ${where}:${callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const per = (us: number) => (us / answered).toFixed(1).padStart(8);
  const top = Number(values.top);
  console.log(
    `\n${side}, ${route} at c=32 on Node ${values.node === "machine" ? process.version : values.node}: ${answered} answered; on CPU (JS, GC, native; not idle) ${per(busy).trim()} µs/request`,
  );
  console.log("\nµs/req  by source file (self time)");
  for (const [where, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${per(us)}  ${where}`);
  console.log("\nµs/req  by function (self time)");
  for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${per(us)}  ${fn}`);
}

exitWhenSettled(main());
