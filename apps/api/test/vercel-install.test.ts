import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { copyCheckout, REPO_ROOT } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The install Vercel's build image runs, proven with Vercel's own code: @vercel/build-utils
 * as the pinned CLI ships it. For a v9 lockfile it puts pnpm 9 or 10 first on PATH (by the
 * project's creation date) and ignores package.json's packageManager unless Corepack is on
 * (ENABLE_EXPERIMENTAL_COREPACK=1). vercel.json's installCommand therefore runs the pinned
 * pnpm by its exact version, whatever `pnpm` is first on PATH.
 */

type BuildUtils = {
  scanParentDirs(path: string, readPackageJson?: boolean): Promise<Record<string, unknown>>;
  getEnvForPackageManager(options: Record<string, unknown>): Record<string, string>;
  runCustomInstallCommand(options: Record<string, unknown>): Promise<boolean>;
};
const fromCli = createRequire(createRequire(`${REPO_ROOT}package.json`).resolve("vercel/package.json"));
const buildUtils = fromCli("@vercel/build-utils") as BuildUtils;
const buildUtilsVersion = (fromCli("@vercel/build-utils/package.json") as { version: string }).version;

let folder: string;
let clone: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "s3ssions-vercel-install-"));
  clone = join(folder, "s3ssions");
  copyCheckout(clone);
});

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function vercelPath(env: Record<string, string>, projectCreatedAt: number): Promise<string> {
  const scan = await buildUtils.scanParentDirs(clone, true);
  const result = buildUtils.getEnvForPackageManager({
    cliType: scan.cliType,
    lockfileVersion: scan.lockfileVersion,
    packageJsonPackageManager: scan.packageJsonPackageManager,
    env: { PATH: "/usr/local/bin:/usr/bin", ...env },
    packageJsonEngines: (scan.packageJson as { engines?: unknown } | undefined)?.engines,
    turboSupportsCorepackHome: scan.turboSupportsCorepackHome,
    projectCreatedAt,
  });
  return result.PATH ?? "";
}

describe(`Vercel's install (@vercel/build-utils ${buildUtilsVersion})`, () => {
  it("Vercel picks pnpm 10 (new projects) or 9 (older ones) for this lockfile, not packageManager's pnpm", async () => {
    const scan = await buildUtils.scanParentDirs(clone, true);
    expect(scan).toMatchObject({ cliType: "pnpm", lockfileVersion: 9 });
    const pinned = JSON.parse(await readFile(join(clone, "package.json"), "utf8")).packageManager as string;
    expect(scan.packageJsonPackageManager).toBe(pinned);
    expect(await vercelPath({}, Date.now())).toMatch(/^\/pnpm10\/node_modules\/\.bin:/);
    expect(await vercelPath({}, Date.parse("2024-06-01"))).toMatch(/^\/pnpm9\/node_modules\/\.bin:/);
    // Only with Corepack on does packageManager count (and then Vercel adds no pnpm of its own).
    expect(await vercelPath({ ENABLE_EXPERIMENTAL_COREPACK: "1" }, Date.now())).toBe("/usr/local/bin:/usr/bin");
  });

  it("vercel.json's installCommand installs with the pinned pnpm whatever pnpm Vercel put first on PATH", async () => {
    const vercel = JSON.parse(await readFile(join(clone, "vercel.json"), "utf8")) as { installCommand?: string };
    const pinned = JSON.parse(await readFile(join(clone, "package.json"), "utf8")).packageManager as string;
    expect(vercel.installCommand).toBe(`npx --yes ${pinned} install --frozen-lockfile`);

    // Vercel's /pnpm10 is not on this machine: a `pnpm` that is not the pinned one stands in
    // for it, first on PATH, and fails loudly if anything calls it.
    const vercelsPnpm = join(folder, "vercels-pnpm");
    await mkdir(vercelsPnpm);
    await writeFile(join(vercelsPnpm, "pnpm"), '#!/bin/sh\necho "Vercel\'s pnpm was called: $*" >&2\nexit 97\n');
    await chmod(join(vercelsPnpm, "pnpm"), 0o755);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && !/^(npm_|PNPM_|VITEST|TURBO_|NODE_OPTIONS$)/i.test(name)) env[name] = value;
    }
    env.PATH = `${vercelsPnpm}${delimiter}${process.env.PATH}`;
    await buildUtils.runCustomInstallCommand({
      destPath: clone,
      installCommand: vercel.installCommand,
      spawnOpts: { env },
      projectCreatedAt: Date.now(),
    });
    const modules = await readFile(join(clone, "node_modules", ".modules.yaml"), "utf8");
    // pnpm records the version that installed (YAML or JSON, by pnpm version).
    expect(modules).toMatch(new RegExp(`"?packageManager"?: *"?${pinned.replaceAll(".", "\\.")}"?`));
    // The root postinstall generated the Prisma client without calling `pnpm`.
    expect(existsSync(join(clone, "packages/db/src/generated/prisma/client.ts"))).toBe(true);
  }, 300_000);

  it("then vercel build produces the function", async () => {
    execFileSync(process.execPath, [join(clone, "apps/api/scripts/vercel-build.mjs")], { cwd: clone, stdio: "pipe" });
    const functions = join(clone, ".vercel/output/functions");
    const configs = (await readdir(functions, { recursive: true })).filter((f) => f.endsWith(".vc-config.json"));
    expect(configs).toHaveLength(1);
    const config = JSON.parse(await readFile(join(functions, configs[0]!), "utf8"));
    expect(config).toMatchObject({
      maxDuration: 30,
      memory: 1024,
      runtime: "nodejs24.x",
    });
  }, 300_000);
});
