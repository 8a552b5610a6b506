// Bundles the API twice, each into one self-contained ESM file:
//   dist/server.mjs        the local production server (`pnpm start`), Node ≥ 20
//   dist/vercel/index.mjs  the Vercel function (web `fetch` handler), Node 22 runtime
// `vercel.json` points Vercel at dist/vercel/ (outputDirectory), so that folder holds
// the function's one file and nothing else. `pg` is CommonJS, so each bundle gets a
// `require` of its own; `pg-native` is an optional peer we never load.
//
//   node build.mjs [server|vercel]...   (default: both; from any working directory)
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = fileURLToPath(new URL("../../", import.meta.url));

// The Prisma client is generated and git-ignored. Generate it when it is missing or older
// than the schema (a fresh clone, e.g. Vercel's build), but leave a current one alone:
// rewriting it while tests import it would race them.
function ensurePrismaClient() {
  const client = `${repo}packages/db/src/generated/prisma/client.ts`;
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(`${repo}prisma/schema.prisma`).mtimeMs) return;
  execFileSync("pnpm", ["--filter", "@s3ssions/db", "db:generate"], { cwd: repo, stdio: "inherit" });
}

const shared = {
  absWorkingDir: here,
  bundle: true,
  platform: "node",
  format: "esm",
  minify: true,
  legalComments: "none",
  external: ["pg-native"],
  banner: {
    js: "import { createRequire as __s3CreateRequire } from 'node:module'; const require = __s3CreateRequire(import.meta.url);",
  },
  logLevel: "warning",
};

const targets = {
  server: () =>
    build({
      ...shared,
      entryPoints: { server: "src/main.ts" },
      outdir: "dist",
      outExtension: { ".js": ".mjs" },
      target: "node20",
      sourcemap: "linked",
    }),
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
