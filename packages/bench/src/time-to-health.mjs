// Times a command from spawn to its first `GET /health/db` 200, like a user would:
//   node packages/bench/src/time-to-health.mjs [--port 3000] [--runs 5] -- pnpm dev
// Each run starts the command in a new process group and stops the whole group after.
import { spawn } from "node:child_process";

const argv = process.argv.slice(2);
const split = argv.indexOf("--");
const flags = Object.fromEntries(
  (split < 0 ? argv : argv.slice(0, split))
    .join(" ")
    .match(/--(\w+) (\S+)/g)
    ?.map((f) => f.slice(2).split(" ")) ?? [],
);
const command = split < 0 ? [] : argv.slice(split + 1);
if (command.length === 0) {
  console.error("usage: time-to-health.mjs [--port N] [--runs N] -- <command…>");
  process.exit(2);
}
const port = Number(flags.port ?? process.env.PORT ?? 3000);
const runs = Number(flags.runs ?? 5);

async function answers(path) {
  try {
    return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  } catch {
    return 0;
  }
}

const samples = [];
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const child = spawn(command[0], command.slice(1), {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, PORT: String(port) },
  });
  while ((await answers("/health/db")) !== 200) {
    if (child.exitCode !== null) throw new Error(`the command exited with ${child.exitCode} before answering`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  samples.push(Math.round(performance.now() - started));
  process.kill(-child.pid, "SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  while ((await answers("/health")) !== 0) await new Promise((resolve) => setTimeout(resolve, 50));
}
const sorted = [...samples].sort((a, b) => a - b);
console.log(
  `spawn → first /health/db 200 (ms): ${samples.join(", ")} | median ${sorted[Math.floor(sorted.length / 2)]}`,
);
