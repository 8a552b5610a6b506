// Bundles the API twice, each into one self-contained ESM file:
//   dist/server-app.mjs    the local production server (`pnpm start`), Node ≥ 20, started
//                          through dist/server.mjs (which turns Node's compile cache on first)
//   dist/vercel/index.mjs  the Vercel function (web `fetch` handler), Node 24 runtime (the root
//                          package.json's engines; syntax for Node 22 up, so tests load it on 20)
// `vercel.json` points Vercel at dist/vercel/ (outputDirectory), so that folder holds
// the function's one file and nothing else. The options every bundle shares (a `require`
// for CommonJS `pg`, `pg-native` external, …) are in bundle-options.mjs.
//
//   node build.mjs [server|vercel]...   (default: both; from any working directory)
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { NODE_BUNDLE } from "./bundle-options.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = fileURLToPath(new URL("../../", import.meta.url));

// The Prisma client is generated and git-ignored. Generate it when it is missing or older
// than the schema (a fresh clone, e.g. Vercel's build), but leave a current one alone:
// rewriting it while tests import it would race them.
function ensurePrismaClient() {
  const client = `${repo}packages/db/src/generated/prisma/client.ts`;
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(`${repo}prisma/schema.prisma`).mtimeMs) return;
  // Through node, not `pnpm`: on Vercel the `pnpm` first on PATH is the one Vercel picked (see vercel.json).
  execFileSync(process.execPath, [`${repo}packages/db/bin/prisma-offline.mjs`, "generate"], {
    cwd: repo,
    stdio: "inherit",
  });
}

// Cold-start trims (each measured with packages/bench/src/cold-start.mjs; numbers in the notes):
// a bundle is compiled whole before its first line runs, so what is in it costs every cold
// start, used or not.
const requireFromApi = createRequire(`${here}package.json`);

/**
 * `@vercel/functions`' index requires every helper it has, the WebSocket one with the `ws`
 * library among them; we use `waitUntil` only, so resolve the package to that file alone.
 * Importing anything else from the package fails the build here (no such export), loudly.
 */
const vercelWaitUntilOnly = {
  name: "vercel-functions-wait-until-only",
  setup(b) {
    const file = join(dirname(requireFromApi.resolve("@vercel/functions")), "wait-until.js");
    b.onResolve({ filter: /^@vercel\/functions$/ }, () => ({ path: file }));
  },
};

/**
 * zod 4 re-exports all of its ~50 error-message locales (`z.locales`, ~260 KB minified), and
 * `import { z } from "zod"` keeps them all, since `z` is one namespace object. Error messages
 * are English (zod's default); `z.locales.en` stays, the others are left out.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(args.resolveDir, args.path), namespace: "zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

/**
 * Env validation (packages/api/src/env.ts, zod/mini) runs in every cold start. Bundled with
 * the procedures' classic zod, code splitting put all of zod's core into the chunk the start
 * loads (145 KB): both import core as one namespace object, so nothing of it could be left
 * out. So env.ts is bundled on its own first, as its own entry, where zod/mini is tree-shaken
 * to the 23 KB it uses, and that module stands in for env.ts; its other imports stay imports
 * of the main bundle, so it shares @s3ssions/db with everything else. The procedures keep
 * their own (whole) zod, which loads with the tRPC route. Two copies of part of zod's code,
 * no shared state: env.ts configures its own locale, and nothing of its zod leaves the module.
 * The start (what the function's import loads) went from 345 to 218 KB; bench:cold-start on
 * Node 24: the import 42 -> 33 ms (median of 21).
 */
const envBundledAlone = {
  name: "env-bundled-alone",
  setup(b) {
    const envFile = fileURLToPath(new URL("../../packages/api/src/env.ts", import.meta.url));
    b.onLoad({ filter: /[\\/]packages[\\/]api[\\/]src[\\/]env\.ts$/ }, async (args) => {
      if (args.path !== envFile) return undefined;
      const alone = await build({
        entryPoints: [envFile],
        // Paths in its source map are relative to env.ts's folder, where the main build reads it.
        absWorkingDir: dirname(envFile),
        outdir: dirname(envFile),
        bundle: true,
        write: false,
        platform: "node",
        format: "esm",
        target: b.initialOptions.target,
        // Read back by the main build, so its source map still points into env.ts.
        sourcemap: "inline",
        logLevel: "warning",
        plugins: [
          zodEnglishOnly,
          {
            name: "only-zod-inside",
            setup(inner) {
              inner.onResolve({ filter: /.*/ }, (dep) =>
                dep.kind === "entry-point" || /^zod(\/|$)/.test(dep.path) || dep.importer.includes("node_modules")
                  ? undefined
                  : { path: dep.path, external: true },
              );
            },
          },
        ],
      });
      return { contents: alone.outputFiles[0].text, loader: "js", resolveDir: dirname(envFile) };
    });
  },
};

/**
 * Code splitting: what is imported with `import()` goes to chunks/, loaded when first
 * needed. Prisma's runtime and query compiler (most of the bytes) wait for the first query
 * that needs them (see packages/db's Database.ready), so a cold start that answers a
 * health check compiles a third of the code.
 */
const shared = {
  ...NODE_BUNDLE,
  absWorkingDir: here,
  plugins: [vercelWaitUntilOnly, zodEnglishOnly, envBundledAlone],
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
};

const SERVER_ENTRY = `// Entry of \`pnpm start\` (written by build.mjs). Node's compile cache (Node >= 22.1; absent on
// Node 20) in os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1
// turns it off. Enabled before the bundle is compiled, written once it is loaded.
import module from "node:module";
module.enableCompileCache?.();
await import("./server-app.mjs");
module.flushCompileCache?.();
`;

const targets = {
  // Node's compile cache (Node ≥ 22.1) only helps a module compiled after it is enabled: a
  // line inside the bundle would come too late for the bundle itself. So dist/server.mjs is a
  // three-line entry that enables it, then imports the bundle (dist/server-app.mjs). Measured
  // on Node 22.23, spawn → first /health/db 200: 203 → 173 ms once the cache is written; on
  // Node 20 (no compile cache) unchanged. Not for the Vercel function: one file, compiled
  // before any of its lines runs, and a fresh /tmp on every cold start.
  server: async () => {
    await rm(`${here}dist/chunks`, { recursive: true, force: true });
    await build({
      ...shared,
      entryPoints: { "server-app": "src/main.ts" },
      outdir: "dist",
      outExtension: { ".js": ".mjs" },
      target: "node20",
      sourcemap: "linked",
    });
    await writeFile(`${here}dist/server.mjs`, SERVER_ENTRY);
    await rm(`${here}dist/server.mjs.map`, { force: true }); // from when server.mjs was the bundle
  },
  // No source map: everything in dist/vercel/ is uploaded as part of the function.
  vercel: async () => {
    await rm(`${here}dist/vercel`, { recursive: true, force: true });
    await build({
      ...shared,
      entryPoints: { index: "src/vercel-entry.ts" },
      outdir: "dist/vercel",
      outExtension: { ".js": ".mjs" },
      target: "node22",
    });
  },
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in targets)) throw new Error(`unknown build target "${name}" (known: ${Object.keys(targets).join(", ")})`);
}
ensurePrismaClient();
await Promise.all((wanted.length ? wanted : Object.keys(targets)).map((name) => targets[name]()));
