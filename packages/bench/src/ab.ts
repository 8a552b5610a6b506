/**
 * Before → after of one change, in one run: two server bundles (say, main's and this
 * branch's `pnpm start` bundle) loaded route by route at concurrency 32, both at once,
 * each on its own database with the same seed. Prints server CPU per answered request,
 * req/s and RSS after the load for each, and after ÷ before. What `pnpm bench` measures,
 * narrowed to one comparison so that a small change shows above the noise.
 *
 *   pnpm --filter @s3ssions/bench bench:ab --before path/to/server.mjs [--after apps/api/dist/server.mjs]
 *     [--routes health,health-db,list,by-id,booking,mine] [--seconds 6] [--slices 6] [--env KEY=VALUE,...] [--env-after ...]
 * A bundle is copied with `cp -r apps/api/dist/server*.mjs apps/api/dist/chunks somewhere/` (its
 * lazily loaded chunks too) before the change is built.
 */
import { Agent } from "node:http";
import { parseArgs } from "node:util";
import {
  type BenchData,
  benchEnvironment,
  cpuMs,
  createBenchData,
  exitWhenSettled,
  load,
  rssMb,
  type Server,
  spawnServer,
} from "./harness.js";
import { APP } from "./paths.js";
import { routeByKey } from "./routes.js";

const { values } = parseArgs({
  options: {
    before: { type: "string" },
    after: { type: "string", default: `${APP}dist/server.mjs` },
    routes: { type: "string", default: "health,health-db,list,booking" },
    seconds: { type: "string", default: "6" },
    slices: { type: "string", default: "6" },
    env: { type: "string", default: "" },
    "env-after": { type: "string", default: "" },
  },
});
if (!values.before) throw new Error("--before <server bundle> is required");

const routes = values.routes.split(",").map(routeByKey);
const pairs = (text: string) =>
  Object.fromEntries(
    text
      .split(",")
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );

interface Side {
  key: "before" | "after";
  server: Server;
  data: BenchData;
  agent: Agent;
  numbers: Map<string, { ok: number; ms: number; cpuMs: number; failed: Map<number, number> }>;
}

async function main() {
  const sides: Side[] = [];
  try {
    for (const [key, file, extra] of [
      ["before", values.before!, pairs(values.env)],
      ["after", values.after, { ...pairs(values.env), ...pairs(values["env-after"]) }],
    ] as const) {
      const data = await createBenchData({ sessions: 300, users: 300 });
      const server = await spawnServer({ name: key, args: [file], env: { ...benchEnvironment(data), ...extra } });
      sides.push({ key, server, data, agent: new Agent({ keepAlive: true, maxSockets: 32 }), numbers: new Map() });
    }
    const slices = Number(values.slices);
    const sliceMs = (Number(values.seconds) * 1000) / slices;
    for (const route of routes) {
      for (const side of sides) {
        await load(side.agent, side.server.port, () => route.next(side.data), { concurrency: 8, count: 300 });
        side.numbers.set(route.key, { ok: 0, ms: 0, cpuMs: 0, failed: new Map() });
      }
      // Both at once: on a shared, busy machine they meet the same contention, which
      // alternating slices cannot promise.
      for (let slice = 0; slice < slices; slice++) {
        await Promise.all(
          sides.map(async (side) => {
            const before = cpuMs(side.server.child.pid!);
            const result = await load(side.agent, side.server.port, () => route.next(side.data), {
              concurrency: 32,
              durationMs: sliceMs,
            });
            // Let after-response work (outbox tasks) finish inside the slice's CPU.
            await new Promise((resolve) => setTimeout(resolve, 100));
            const n = side.numbers.get(route.key)!;
            for (const sample of result.samples) {
              if (sample.status >= 200 && sample.status < 300) n.ok += 1;
              else n.failed.set(sample.status, (n.failed.get(sample.status) ?? 0) + 1);
            }
            n.ms += result.elapsedMs;
            n.cpuMs += cpuMs(side.server.child.pid!) - before;
          }),
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [a, b] = sides as [Side, Side];
    console.log(`\n| route | CPU/req before | after | ÷ before | req/s before | after | ÷ before |`);
    console.log("|---|---|---|---|---|---|---|");
    for (const route of routes) {
      const x = a.numbers.get(route.key)!;
      const y = b.numbers.get(route.key)!;
      const cpuX = (x.cpuMs * 1000) / Math.max(1, x.ok);
      const cpuY = (y.cpuMs * 1000) / Math.max(1, y.ok);
      const rpsX = (x.ok / x.ms) * 1000;
      const rpsY = (y.ok / y.ms) * 1000;
      console.log(
        `| ${route.key} | ${cpuX.toFixed(0)} µs | ${cpuY.toFixed(0)} µs | ${(cpuY / cpuX).toFixed(2)}× | ${rpsX.toFixed(0)}/s | ${rpsY.toFixed(0)}/s | ${(rpsY / rpsX).toFixed(2)}× |`,
      );
    }
    for (const side of sides) {
      for (const [route, n] of side.numbers) {
        if (n.failed.size > 0)
          console.log(
            `${side.key} ${route} failed: ${[...n.failed].map(([s, k]) => `${s || "network"}×${k}`).join(", ")}`,
          );
      }
    }
    const ra = rssMb(a.server.child.pid!);
    const rb = rssMb(b.server.child.pid!);
    console.log(
      `| RSS after load | ${ra.rss.toFixed(0)} MB | ${rb.rss.toFixed(0)} MB | ${(rb.rss / ra.rss).toFixed(2)}× | | | |`,
    );
    console.log(`\nbefore: ${values.before}\nafter:  ${values.after}`);
  } finally {
    await Promise.all(sides.map((s) => s.server.stop()));
    for (const s of sides) await s.data.tdb.drop().catch(() => {});
  }
}

exitWhenSettled(main());
