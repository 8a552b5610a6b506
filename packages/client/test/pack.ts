// Packing the SDK and installing it with npm in a folder outside the monorepo: what the
// tarball tests share.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** The environment without pnpm's `npm_*` variables, which npm would read as its own config. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

export async function sh(file: string, args: string[], cwd: string, env = cleanEnv()) {
  try {
    return await run(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
}

/** The version of `name` the monorepo installed (from `dir`'s node_modules), so consumers test what we test. */
export async function versionOf(name: string, dir = REPO_ROOT): Promise<string> {
  return JSON.parse(await readFile(join(dir, "node_modules", name, "package.json"), "utf8")).version;
}

export interface Packed {
  filename: string;
  files: { path: string }[];
}

/** `pnpm pack` of the SDK as built (`dist/`) into `destination`. */
export async function packSdk(destination: string): Promise<Packed> {
  const { stdout } = await sh("pnpm", ["pack", "--pack-destination", destination, "--json"], PACKAGE_DIR, process.env);
  return JSON.parse(stdout);
}

/** `npm install` as a consumer runs it: no flags that bend peer resolution, no install scripts. */
export async function npmInstall(cwd: string, specs: string[]): Promise<void> {
  await sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", ...specs], cwd);
}
