// Preloaded into a server under test (`node --import …/memory-probe.mjs`): on SIGUSR2 it
// writes one line, `MEMORY {json}`, to stderr: process.memoryUsage() and V8's heap spaces,
// in MB, after a full collection when --expose-gc is on. What holds the RSS, in numbers.
// On SIGWINCH (a signal nothing else here listens to, and harmless by default) it writes
// `PROMOTED {json}`: the bytes V8's young-generation collections moved to the old space
// since the last such line, and how many collections there were, with no collection of
// its own. Objects a request leaves behind die young; what a collection promotes instead
// stays until the next full collection, and that is what grows the old space under load.
import { GCProfiler, getHeapSpaceStatistics } from "node:v8";

const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
process.on("SIGUSR2", () => {
  const before = process.memoryUsage();
  globalThis.gc?.();
  const after = process.memoryUsage();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics().map((s) => [s.space_name, { size: mb(s.space_size), used: mb(s.space_used_size) }]),
  );
  const usage = (u) => Object.fromEntries(Object.entries(u).map(([k, v]) => [k, mb(v)]));
  process.stderr.write(`MEMORY ${JSON.stringify({ before: usage(before), afterGc: usage(after), spaces })}\n`);
});

/** Bytes a young-generation collection added to the old spaces (its promotion). */
const OLD_SPACES = new Set(["old_space", "large_object_space"]);
const oldBytes = (stats) =>
  stats.heapSpaceStatistics.filter((s) => OLD_SPACES.has(s.spaceName)).reduce((sum, s) => sum + s.spaceUsedSize, 0);
let profiler = new GCProfiler();
profiler.start();
process.on("SIGWINCH", () => {
  const { statistics } = profiler.stop();
  profiler = new GCProfiler();
  profiler.start();
  let promotedBytes = 0;
  let collections = 0;
  for (const gc of statistics) {
    if (gc.gcType !== "Scavenge" && gc.gcType !== "MinorMarkSweep") continue;
    collections += 1;
    promotedBytes += Math.max(0, oldBytes(gc.afterGC) - oldBytes(gc.beforeGC));
  }
  process.stderr.write(`PROMOTED ${JSON.stringify({ promotedBytes, collections })}\n`);
});
