#!/usr/bin/env node
// `prisma-offline`: the ordinary Prisma CLI (devDependency `prisma`), runnable with no access
// to Prisma's download server.
//
// - Adds `--config <repo root>/prisma.config.ts` unless a `--config` is given.
// - Chooses the schema engine the CLI spawns (PRISMA_SCHEMA_ENGINE_BINARY), in this order:
//   1. PRISMA_SCHEMA_ENGINE_BINARY from the environment, if set;
//   2. a native `schema-engine-*` binary in @prisma/engines' folder (where Prisma caches it);
//   3. the WebAssembly engine shim of @s3ssions/schema-engine.
// - Passes arguments, stdio, signals and the exit code through.
// - Run through the root alias (`pnpm prisma …`, i.e. `pnpm --filter @s3ssions/db exec`),
//   relative paths in arguments are resolved from the directory the command was typed in.

import { spawn } from "node:child_process";
import { accessSync, chmodSync, constants, existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const packageDir = path.resolve(here, "..");
const repoRoot = path.resolve(packageDir, "../..");
const require = createRequire(path.join(packageDir, "package.json"));

/** @param {string} file */
function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** @returns {string | undefined} a native schema engine cached next to @prisma/engines */
function findNativeEngine() {
  /** @type {string} */
  let enginesDir;
  try {
    const prismaDir = path.dirname(require.resolve("prisma/package.json"));
    const fromPrisma = createRequire(path.join(prismaDir, "package.json"));
    enginesDir = path.dirname(fromPrisma.resolve("@prisma/engines/package.json"));
  } catch {
    return undefined;
  }
  const candidates = readdirSync(enginesDir)
    .filter((name) => /^schema-engine-[\w.-]+$/.test(name) && !/\.(gz|sha256|sig|tmp)$/.test(name))
    .map((name) => path.join(enginesDir, name))
    .filter(isExecutable);
  return candidates[0];
}

/** @returns {string} the Wasm shim, made executable if a checkout lost the mode bit */
function wasmShim() {
  const pkgJson = require.resolve("@s3ssions/schema-engine/package.json");
  const shim = path.join(path.dirname(pkgJson), "bin", "schema-engine.mjs");
  if (!existsSync(shim)) throw new Error(`prisma-offline: ${shim} is missing`);
  if (!isExecutable(shim)) chmodSync(shim, 0o755);
  return shim;
}

function chooseEngine() {
  const fromEnv = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (fromEnv) return path.resolve(fromEnv);
  return findNativeEngine() ?? wasmShim();
}

/** @param {string[]} args */
function withConfig(args) {
  const hasConfig = args.some((a) => a === "--config" || a.startsWith("--config="));
  if (hasConfig || args.length === 0) return args;
  // Flags that stop the CLI before it reads a config file.
  if (args.every((a) => a.startsWith("-")) && args.some((a) => ["-v", "--version", "-h", "--help"].includes(a))) {
    return args;
  }
  return [...args, "--config", path.join(repoRoot, "prisma.config.ts")];
}

function childCwd() {
  const initCwd = process.env.INIT_CWD;
  if (
    process.env.PNPM_PACKAGE_NAME === "@s3ssions/db" &&
    initCwd &&
    path.resolve(process.cwd()) === packageDir &&
    existsSync(initCwd)
  ) {
    return initCwd;
  }
  return process.cwd();
}

const prismaCli = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "index.js");
const args = withConfig(process.argv.slice(2));
// prisma.config.ts (at the repo root, which does not depend on `prisma`) imports "prisma/config":
// let it resolve from this package's dependencies whatever the caller's NODE_PATH.
const nodePath = [path.join(packageDir, "node_modules"), process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
const env = {
  ...process.env,
  NODE_PATH: nodePath,
  PRISMA_SCHEMA_ENGINE_BINARY: chooseEngine(),
  // No update check / telemetry round trips to hosts that cannot be reached.
  CHECKPOINT_DISABLE: process.env.CHECKPOINT_DISABLE ?? "1",
  PRISMA_HIDE_UPDATE_MESSAGE: process.env.PRISMA_HIDE_UPDATE_MESSAGE ?? "1",
};

const child = spawn(process.execPath, [prismaCli, ...args], { stdio: "inherit", env, cwd: childCwd() });

for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}

child.on("error", (error) => {
  process.stderr.write(`prisma-offline: ${error.message}\n`);
  process.exit(1);
});

child.on("exit", (code, signal) => {
  if (signal) {
    const signals = /** @type {Record<string, number>} */ ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 });
    process.exit(128 + (signals[signal] ?? 1));
  }
  process.exit(code ?? 1);
});
