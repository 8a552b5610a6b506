// Bundles the local production server into one ESM file. `pg` is CommonJS, so the
// bundle gets a `require` of its own; `pg-native` is an optional peer we never load.
import { build } from "esbuild";

await build({
  entryPoints: { server: "src/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  external: ["pg-native"],
  banner: {
    js: "import { createRequire as __s3CreateRequire } from 'node:module'; const require = __s3CreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
