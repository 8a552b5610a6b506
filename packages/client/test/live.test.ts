// Live seats from the packed SDK: `pnpm pack`, then `npm install <tarball> eventsource` in
// a fresh project outside the monorepo, run on this Node (20) against a real API process
// behind the real PgBouncer.
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createClient } from "../dist/index.js";
import { sql } from "../../testing/src/index.js";
import { cleanEnv, npmInstall, PACKAGE_DIR, packSdk, versionOf } from "./pack.js";
import { type RunningApi, sessionInput, startApi } from "./support.js";

const FIXTURE = fileURLToPath(new URL("fixtures/live-consumer", import.meta.url));

vi.setConfig({ testTimeout: 120_000 });

let work: string;
let consumer: string;
let api: RunningApi;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "s3ssions-sdk-live-"));
  consumer = join(work, "consumer");
  // Streams end every second, so that a run resumes several times; one stream per instance at most.
  const apiReady = startApi("sdk_live", {
    LIVE_STREAM_MAX_MS: "1000",
    LIVE_POLL_MS: "50",
    LIVE_PING_MS: "200",
    LIVE_MAX_STREAMS: "1",
    RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
  });
  const packed = await packSdk(work);
  await cp(FIXTURE, consumer, { recursive: true });
  await npmInstall(consumer, [packed.filename, `eventsource@${await versionOf("eventsource", PACKAGE_DIR)}`]);
  api = await apiReady;
}, 180_000);

afterAll(async () => {
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The consumer script running: the JSON lines it printed so far. */
function runConsumer(ids: string[]): {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  until(n: number): Promise<void>;
} {
  const child = spawn(process.execPath, ["live.mjs"], {
    cwd: consumer,
    env: cleanEnv({ S3SSIONS_API_URL: api.baseUrl, S3SSIONS_IDS: ids.join(",") }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(JSON.parse(line));
    for (const waiter of [...waiters]) waiter();
  });
  return {
    child,
    lines,
    until: (n) =>
      new Promise((resolve) => {
        const check = () => {
          if (lines.length >= n) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

describe("sessions.live from the packed SDK on Node 20 with the npm eventsource", () => {
  it("survives a 503 (the instance at its bound), then gets the state and every booking across resumes", async () => {
    const host = await api.user();
    const hostClient = createClient({ url: api.baseUrl, getAccessToken: () => host.token });
    const session = await hostClient.sessions.create.mutate(sessionInput({ capacity: 100 }));

    // The instance's one place is taken: the consumer's first tries get 503 + Retry-After.
    const blocker = new AbortController();
    const taken = await fetch(
      `${api.baseUrl}/api/trpc/sessions.live?input=${encodeURIComponent(JSON.stringify({ json: { ids: [session.id] } }))}`,
      { headers: { accept: "text/event-stream" }, signal: blocker.signal },
    );
    expect(taken.status).toBe(200);
    const run = runConsumer([session.id]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(run.lines).toEqual([]);
      blocker.abort();
      await run.until(1);
      expect(run.lines[0]).toMatchObject({ seatsLeft: 100, confirmedCount: 0, updatedAtIsDate: true });

      // Bookings for 3 s: the stream ends (maxDurationMs) and resumes about three times meanwhile.
      const started = Date.now();
      let booked = 0;
      while (Date.now() - started < 3000) {
        const user = await api.user();
        await createClient({ url: api.baseUrl, getAccessToken: () => user.token }).bookings.create.mutate({
          sessionId: session.id,
        });
        booked++;
      }
      const feed = await sql<{ position: string; confirmedCount: number }>(
        api.tdb.directUrl,
        `SELECT position::text AS position, confirmed_count AS "confirmedCount" FROM session_feed
         WHERE session_id = $1::uuid ORDER BY session_feed.position`,
        [session.id],
      );
      expect(feed).toHaveLength(booked);
      await run.until(booked + 1);
      const changes = run.lines.slice(1);
      expect(changes.map((line) => line.id)).toEqual(feed.map((entry) => entry.position));
      expect(changes.map((line) => line.seatsLeft)).toEqual(feed.map((entry) => 100 - entry.confirmedCount));
    } finally {
      run.child.kill("SIGTERM");
      blocker.abort();
    }
  });

  it("a bad input is a typed BAD_REQUEST, not a retry loop", async () => {
    const run = runConsumer(Array.from({ length: 101 }, () => crypto.randomUUID()));
    await run.until(1);
    expect(run.lines[0]).toMatchObject({ error: "BAD_REQUEST" });
  });
});
