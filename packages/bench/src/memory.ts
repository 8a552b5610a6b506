/**
 * What holds a server's RSS after load, in numbers: the server (ours by default, run with
 * `pnpm start`'s Node flags, or the peer) loaded with the bench's routes at concurrency 32, then asked (SIGUSR2, see
 * src/memory-probe.mjs) for process.memoryUsage() and V8's heap spaces, before and after a
 * full collection. RSS minus the V8 heap minus array buffers/external memory (the query
 * compiler's WebAssembly memory is an ArrayBuffer) is what the rest holds: code, native
 * allocations, the allocator's free pages. Prints numbers only.
 *
 *   pnpm --filter @s3ssions/bench bench:memory [--peer] [--seconds 6] [--node-options "--max-semi-space-size=4"]
 */
import { Agent } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { benchEnvironment, createBenchData, exitWhenSettled, load, rssMb, spawnServer } from "./harness.js";
import { APP, OUT, START_FLAGS } from "./paths.js";
import { DB_ROUTES } from "./routes.js";

const { values } = parseArgs({
  options: {
    peer: { type: "boolean", default: false },
    seconds: { type: "string", default: "6" },
    "node-options": { type: "string", default: "" },
  },
});
const PROBE = fileURLToPath(new URL("./memory-probe.mjs", import.meta.url));

async function main() {
  const data = await createBenchData({ sessions: 300, users: 300 });
  const entry = values.peer ? `${OUT}peer-server.mjs` : `${APP}dist/server.mjs`;
  try {
    const server = await spawnServer({
      name: values.peer ? "peer" : "ours",
      args: [...(values.peer ? [] : START_FLAGS), "--expose-gc", "--import", pathToFileURL(PROBE).href, entry],
      env: { ...benchEnvironment(data), NODE_OPTIONS: values["node-options"] },
    });
    const memory = new Promise<string>((resolve) => {
      server.child.stderr!.on("data", (chunk: Buffer) => {
        const line = chunk
          .toString()
          .split("\n")
          .find((l) => l.startsWith("MEMORY "));
        if (line) resolve(line.slice(7));
      });
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    for (const route of DB_ROUTES) {
      await load(agent, server.port, () => route.next(data), {
        concurrency: 32,
        durationMs: (Number(values.seconds) * 1000) / DB_ROUTES.length,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rss = rssMb(server.child.pid!);
    server.child.kill("SIGUSR2");
    const report = JSON.parse(await memory) as {
      before: Record<string, number>;
      afterGc: Record<string, number>;
      spaces: Record<string, { size: number; used: number }>;
    };
    await server.stop();
    const { before, afterGc, spaces } = report;
    const rest = (u: Record<string, number>) => u.rss! - u.heapTotal! - u.external!;
    console.log(
      `\n${values.peer ? "peer" : "ours"}${values["node-options"] ? ` (NODE_OPTIONS=${values["node-options"]})` : ""}: RSS after load ${rss.rss.toFixed(1)} MB (peak ${rss.peak.toFixed(1)} MB)`,
    );
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

exitWhenSettled(main());
