import { defineConfig, type Options } from "tsup";

// Two entries: the SDK, and the limits alone (no imports) for the server to share.
// The declarations are bundled: the router's types (@s3ssions/api/public-router) are inlined
// as plain types, so the package names no unpublished module.
const shared: Options = {
  entry: { index: "src/index.ts", limits: "src/limits.ts" },
  platform: "neutral",
  target: "es2022",
  treeshake: true,
  splitting: false,
  sourcemap: false,
  minify: false,
  outDir: "dist",
  tsconfig: "tsconfig.build.json",
  // Both builds write into dist/: `pnpm build` empties it first, not each build.
  clean: false,
};

export default defineConfig([
  {
    ...shared,
    // ESM imports its dependencies: the app's superjson and tRPC are the ones it runs.
    format: ["esm"],
    dts: { compilerOptions: { composite: false, incremental: false } },
  },
  {
    ...shared,
    // CommonJS inlines superjson (and its two small dependencies), which ship as ESM only:
    // `require()` of ESM fails before Node 20.19 and under Jest. tRPC ships CommonJS itself.
    format: ["cjs"],
    noExternal: ["superjson", "copy-anything", "is-what"],
    dts: { compilerOptions: { composite: false, incremental: false } },
  },
]);
