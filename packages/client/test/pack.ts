// Packing the SDK and installing it with npm in a folder outside the monorepo: what the
// tarball tests share.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cleanEnv, sh } from "../../testing/src/shell.js";

export { cleanEnv, sh };

export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

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
