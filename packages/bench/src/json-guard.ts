/**
 * The superjson metadata bomb, measured (pnpm bench:json-guard): what superjson's
 * deserialiser costs without the guard, what the guard costs to refuse it, and what a
 * client of the running server sees (the refusal, and /health during it).
 *
 * Needs the built server (this script builds it first) and Postgres + PgBouncer, like the
 * tests.
 */
import { MAX_BODY_BYTES } from "@s3ssions/app-api/src/http-limits.js";
import { guardTrpcRequest, superjsonMetaProblem } from "@s3ssions/app-api/src/json-guard.js";
import { startTestApi, superjsonBomb } from "@s3ssions/testing";
import superjson from "superjson";
import { median } from "./harness.js";

const SESSION_ID = "7f1c3a52-5d0e-4c8e-9b1a-2f3d4e5f6a7b";

function bombText(setSize: number, paths: number): string {
  return JSON.stringify(superjsonBomb({ sessionId: SESSION_ID }, { setSize, paths }));
}

/** The largest bomb under the body limit. */
function largestBomb(): string {
  let paths = 60_000;
  for (;;) {
    const text = bombText(40_000, paths);
    if (Buffer.byteLength(text) <= MAX_BODY_BYTES) return text;
    paths -= 2_000;
  }
}

const kb = (text: string) => `${(Buffer.byteLength(text) / 1024).toFixed(0)} KB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

async function guardMs(text: string, runs = 21): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const request = new Request("http://local/api/trpc/bookings.create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: text,
    });
    const started = performance.now();
    const result = await guardTrpcRequest(request, { maxBodyBytes: MAX_BODY_BYTES });
    times.push(performance.now() - started);
    if (result.ok) throw new Error("the guard let the bomb through");
  }
  return median(times);
}

console.log("superjson metadata bomb (meta.referentialEqualities into a Set)\n");
console.log("| body | superjson.deserialize, no guard | guard: refusal (median of 21) |");
console.log("| --- | --- | --- |");
for (const [setSize, paths] of [
  [500, 1_250],
  [1_000, 2_500],
  [2_000, 5_000],
] as const) {
  const text = bombText(setSize, paths);
  const started = performance.now();
  superjson.deserialize(JSON.parse(text));
  const unguarded = performance.now() - started;
  console.log(`| ${kb(text)} (set ${setSize}, ${paths} paths) | ${ms(unguarded)} | ${ms(await guardMs(text))} |`);
}
const largest = largestBomb();
console.log(`| ${kb(largest)} (largest under the body limit) | not run (minutes) | ${ms(await guardMs(largest))} |`);
console.log(`\nreason: ${superjsonMetaProblem(largest, false)}`);

const api = await startTestApi("benchguard", { jwtSecret: "bench-jwt-secret-with-at-least-32-characters!" });
try {
  const { token } = await api.token();
  const post = async (body: string) => {
    const started = performance.now();
    const response = await fetch(`${api.baseUrl}/api/trpc/bookings.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body,
    });
    await response.text();
    return { status: response.status, ms: performance.now() - started };
  };
  const health = async () => {
    const started = performance.now();
    const response = await fetch(`${api.baseUrl}/health`);
    await response.text();
    return performance.now() - started;
  };
  await post(bombText(10, 10)); // warm
  await health();
  const posts: number[] = [];
  const healths: number[] = [];
  let status = 0;
  for (let i = 0; i < 11; i++) {
    const [result, healthMs] = await Promise.all([post(largest), new Promise((r) => setTimeout(r, 1)).then(health)]);
    posts.push(result.ms);
    healths.push(healthMs);
    status = result.status;
  }
  console.log(`\nbuilt server, POST bookings.create with the ${kb(largest)} bomb (11 runs, loopback):`);
  console.log(`  answer: HTTP ${status}, median ${ms(median(posts))}, max ${ms(Math.max(...posts))}`);
  console.log(`  GET /health sent alongside: median ${ms(median(healths))}, max ${ms(Math.max(...healths))}`);
} finally {
  await api.close();
}
