import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.mjs"],
    // Each test spawns the Prisma CLI (8–15 s of start-up alone on a busy 2-core machine) several times; each call has its own hang guard (test/helpers.mjs).
    testTimeout: 600_000,
    hookTimeout: 30_000,
    maxConcurrency: 2,
    // One file at a time, as when the tests were one file: at most two CLI calls at once on 2 cores.
    fileParallelism: false,
  },
});
