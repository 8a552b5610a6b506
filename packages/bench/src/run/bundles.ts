/**
 * What `pnpm bench` runs, built and weighed: our server bundle and Vercel function (built by
 * apps/api), the peer's server and the raw baseline's server and function (bundled here).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { NODE_BUNDLE } from "@s3ssions/app-api/bundle-options.mjs";
import { type BuildOptions, build } from "esbuild";
import { APP, BENCH_DIR, OUT, REPO } from "../paths.js";
import { compilerBuildPlugin } from "../prisma-compiler-build.js";

export const SERVER = `${APP}dist/server.mjs`;
/** What dist/server.mjs (a three-line entry, see build.mjs) imports: the bundle itself. */
const SERVER_APP = `${APP}dist/server-app.mjs`;
export const FUNCTION = `${REPO}.vercel/output/functions/index.func/index.mjs`;
/** Serves a function the way Vercel's Node launcher does. */
export const LAUNCHER = fileURLToPath(new URL("../launcher.mjs", import.meta.url));
export const RAW_SERVER = `${OUT}baseline-server.mjs`;
export const RAW_FUNCTION = `${OUT}baseline-function.mjs`;
export const PEER_SERVER = `${OUT}peer-server.mjs`;

/** Builds our Vercel function (unless BENCH_SKIP_VERCEL_BUILD=1), and bundles the peer and the raw baseline. */
export async function buildEverything(log: (message: string) => void): Promise<void> {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`node build.mjs\` first (pnpm bench does)`);
  if (process.env.BENCH_SKIP_VERCEL_BUILD !== "1") {
    log("building the Vercel function (pnpm build:vercel)…");
    const result = spawnSync(process.execPath, [`${APP}scripts/vercel-build.mjs`], { cwd: REPO, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`pnpm build:vercel failed:\n${result.stdout}\n${result.stderr}`);
  }
  if (!existsSync(FUNCTION)) throw new Error(`${FUNCTION} is missing`);
  log("bundling the peer and the raw baseline…");
  mkdirSync(OUT, { recursive: true });
  const shared: BuildOptions = { ...NODE_BUNDLE, absWorkingDir: BENCH_DIR };
  await Promise.all([
    build({ ...shared, entryPoints: ["src/baseline/server.ts"], outfile: RAW_SERVER, target: "node20" }),
    build({ ...shared, entryPoints: ["src/baseline/function.ts"], outfile: RAW_FUNCTION, target: "node22" }),
    build({
      ...shared,
      entryPoints: ["src/peer/server.ts"],
      outfile: PEER_SERVER,
      target: "node20",
      plugins: [compilerBuildPlugin("fast")],
    }),
  ]);
}

export interface Size {
  bytes: number;
  gzip: number;
  /** With chunks: the entry file alone. */
  entry?: Size;
}

const size = (file: string): Size => ({ bytes: statSync(file).size, gzip: gzipSync(readFileSync(file)).length });

/** An entry and the chunks it loads when first needed (chunks/ beside it), summed. */
function withChunks(entry: string): Size {
  const dir = `${dirname(entry)}/chunks`;
  const files = [
    entry,
    ...(existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith(".mjs"))
          .map((f) => `${dir}/${f}`)
      : []),
  ];
  const sizes = files.map(size);
  return {
    bytes: sizes.reduce((sum, s) => sum + s.bytes, 0),
    gzip: sizes.reduce((sum, s) => sum + s.gzip, 0),
    entry: sizes[0]!,
  };
}

export type BundleSizes = ReturnType<typeof bundleSizes>;

export function bundleSizes() {
  return {
    server: withChunks(SERVER_APP),
    function: withChunks(FUNCTION),
    peerServer: size(PEER_SERVER),
    rawServer: size(RAW_SERVER),
    rawFunction: size(RAW_FUNCTION),
  };
}
