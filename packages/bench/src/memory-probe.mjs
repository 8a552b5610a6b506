// Preloaded into a server under test (`node --import …/memory-probe.mjs`): on SIGUSR2 it
// writes one line, `MEMORY {json}`, to stderr: process.memoryUsage() and V8's heap spaces,
// in MB, after a full collection when --expose-gc is on. What holds the RSS, in numbers.
import { getHeapSpaceStatistics } from "node:v8";

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
