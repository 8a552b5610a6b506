import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.mjs"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    maxConcurrency: 2,
  },
});
