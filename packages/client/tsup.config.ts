import { defineConfig } from "tsup";

// Two entries: the SDK, and the limits alone (no imports) for the server to share.
// Dependencies stay external: the published JavaScript is this package's code only.
// The declarations are bundled: the router's types (@s3ssions/api/public-router) are inlined
// as plain types, so the package names no unpublished module.
export default defineConfig({
  entry: { index: "src/index.ts", limits: "src/limits.ts" },
  format: ["esm", "cjs"],
  platform: "neutral",
  target: "es2022",
  dts: { compilerOptions: { composite: false, incremental: false } },
  clean: true,
  treeshake: true,
  splitting: false,
  sourcemap: false,
  minify: false,
  outDir: "dist",
  tsconfig: "tsconfig.build.json",
});
