/**
 * What holds a server's RSS after load, in numbers: the server (ours by default, run with
 * `pnpm start`'s Node flags, or the peer) loaded with the bench's routes at concurrency 32, then asked (SIGUSR2, see
 * src/memory-probe.mjs) for process.memoryUsage() and V8's heap spaces, before and after a
 * full collection. RSS minus the V8 heap minus array buffers/external memory (the query
 * compiler's WebAssembly memory is an ArrayBuffer) is what the rest holds: code, native
 * allocations, the allocator's free pages. Before that, per route: the bytes V8's
 * young-generation collections promoted to the old space per answered request (SIGWINCH;
 * the raw-`pg` baseline, `--entry dist/baseline-server.mjs` once `pnpm bench` built it,
 * promotes under 1 KB per read: a request whose objects outlive those collections shows
 * here long before the RSS shows it). Prints numbers only.
 *
 *   pnpm --filter @s3ssions/bench bench:memory [--peer | --entry path/to/server.mjs] [--seconds 6] [--node-options "--max-semi-space-size=4"]
 * (`--entry`: another build of ours, copied as for bench:ab, run with the same flags.)
 */
import { Agent } from "node:http";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { benchEnvironment, createBenchData, exitWhenSettled, load, rssMb, spawnServer } from "./harness.js";
import { APP, OUT, START_FLAGS } from "./paths.js";
import { DB_ROUTES } from "./routes.js";

const { values } = parseArgs({
  options: {
    peer: { type: "boolean", default: false },
    entry: { type: "string" },
    seconds: { type: "string", default: "6" },
    "node-options": { type: "string", default: "" },
  },
});
const PROBE = fileURLToPath(new URL("./memory-probe.mjs", import.meta.url));

async function main() {
  const data = await createBenchData({ sessions: 300, users: 300 });
  const entry = values.peer ? `${OUT}peer-server.mjs` : (values.entry ?? `${APP}dist/server.mjs`);
  try {
    const server = await spawnServer({
      name: values.peer ? "peer" : "ours",
      args: [...(values.peer ? [] : START_FLAGS), "--expose-gc", "--import", pathToFileURL(PROBE).href, entry],
      env: { ...benchEnvironment(data), NODE_OPTIONS: values["node-options"] },
    });
    const lines = probeLines(server.child.stderr!);
    const promoted = async () => {
      server.child.kill("SIGWINCH");
      return JSON.parse(await lines.next("PROMOTED ")) as { promotedBytes: number; collections: number };
    };
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const perRoute: string[] = [];
    for (const route of DB_ROUTES) {
      // A short warm-up first: the first requests compile code and fill caches.
      await load(agent, server.port, () => route.next(data), { concurrency: 32, count: 200 });
      await promoted();
      const { samples } = await load(agent, server.port, () => route.next(data), {
        concurrency: 32,
        durationMs: (Number(values.seconds) * 1000) / DB_ROUTES.length,
      });
      const { promotedBytes, collections } = await promoted();
      const answered = samples.filter((s) => s.status >= 200 && s.status < 300).length;
      perRoute.push(
        `${route.name.padEnd(16)} ${String(answered).padStart(8)} ${String(collections).padStart(11)} ${(promotedBytes / Math.max(1, answered) / 1024).toFixed(1).padStart(10)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rss = rssMb(server.child.pid!);
    server.child.kill("SIGUSR2");
    const report = JSON.parse(await lines.next("MEMORY ")) as {
      before: Record<string, number>;
      afterGc: Record<string, number>;
      spaces: Record<string, { size: number; used: number }>;
    };
    await server.stop();
    const { before, afterGc, spaces } = report;
    const rest = (u: Record<string, number>) => u.rss! - u.heapTotal! - u.external!;
    console.log(
      `\n${values.peer ? "peer" : values.entry ? `ours (${values.entry})` : "ours"}${values["node-options"] ? ` (NODE_OPTIONS=${values["node-options"]})` : ""}: RSS after load ${rss.rss.toFixed(1)} MB (peak ${rss.peak.toFixed(1)} MB)`,
    );
    console.log("route            answered collections  promoted KB/request (young → old space, c=32)");
    for (const line of perRoute) console.log(line);
    console.log("MB            rss  heapTotal heapUsed external arrayBuffers  rest (rss − heapTotal − external)");
    for (const [label, u] of [
      ["after load", before],
      ["after a GC", afterGc],
    ] as const) {
      console.log(
        `${label.padEnd(12)} ${String(u.rss).padStart(5)} ${String(u.heapTotal).padStart(10)} ${String(u.heapUsed).padStart(8)} ${String(u.external).padStart(8)} ${String(u.arrayBuffers).padStart(12)}  ${rest(u).toFixed(1).padStart(6)}`,
      );
    }
    console.log("V8 heap spaces after the GC (size / used, MB):");
    console.log(
      Object.entries(spaces)
        .filter(([, s]) => s.size > 0)
        .map(([name, s]) => `${name} ${s.size}/${s.used}`)
        .join(", "),
    );
  } finally {
    await data.tdb.drop().catch(() => {});
  }
}

/** The probe's stderr lines, awaited by prefix (the server's own log lines pass by). */
function probeLines(stream: Readable) {
  const waiting: { prefix: string; resolve: (rest: string) => void }[] = [];
  createInterface({ input: stream }).on("line", (line) => {
    const index = waiting.findIndex((w) => line.startsWith(w.prefix));
    if (index === -1) return;
    const [w] = waiting.splice(index, 1);
    w!.resolve(line.slice(w!.prefix.length));
  });
  return {
    next: (prefix: string) => new Promise<string>((resolve) => waiting.push({ prefix, resolve })),
  };
}

exitWhenSettled(main());
