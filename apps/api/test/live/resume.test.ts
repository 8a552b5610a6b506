import { createClient } from "@s3ssions/client";
import {
  type ApiProcess,
  createTestDatabase,
  ensurePgBouncer,
  signHs256,
  spawnApi,
  sql,
  type TestDatabase,
} from "@s3ssions/testing";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../api-client.js";
import { JWT_SECRET, sessionInput } from "../support.js";
import { type SwitchProxy, startSwitchProxy } from "./switch-proxy.js";

// Resumption without loss: one SDK subscription (Node 20, the npm eventsource) through a
// switching proxy, while bookings go on through another instance. Its stream ends in
// each way a stream ends — maxDurationMs, the serving process killed, a dropped
// connection — and each time it resumes on another instance. What it received is then
// exactly the feed's sequence for the session: no gap, no duplicate.

let tdb: TestDatabase;
let proxy: SwitchProxy;
const processes: ApiProcess[] = [];

async function instance(streamMaxMs: number): Promise<ApiProcess> {
  const api = await spawnApi({
    env: {
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
      SUPABASE_JWT_SECRET: JWT_SECRET,
      RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
      LIVE_STREAM_MAX_MS: String(streamMaxMs),
      LIVE_POLL_MS: "50",
      LIVE_PING_MS: "250",
    },
  });
  processes.push(api);
  return api;
}

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("live_resume");
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all(processes.map((api) => api.stop("SIGKILL")));
  await tdb?.drop();
});

const token = (userId = crypto.randomUUID()) => signHs256(JWT_SECRET, { sub: userId });

describe("sessions.live resumes on another instance without gap or duplicate", () => {
  it("after maxDurationMs, a killed server and a dropped connection", async () => {
    // A's streams end every 1.2 s; B's and W's last long, so that only the fault ends them.
    const [a, b, w] = await Promise.all([instance(1200), instance(29_000), instance(29_000)]);
    const writer = apiClient(w!.baseUrl, await token());
    const session = await writer.sessions.create.mutate(sessionInput({ capacity: 500 }));
    proxy = await startSwitchProxy(a!.baseUrl);

    const client = createClient({ url: proxy.url, subscriptions: { EventSource, retryDelayMs: () => 100 } });
    const received: { id: string; confirmedCount: number; seatsLeft: number }[] = [];
    const errors: unknown[] = [];
    const subscription = client.sessions.live.subscribe(
      { ids: [session.id] },
      {
        onData: (event) => received.push({ ...event.data, id: event.id }),
        onError: (error) => errors.push(error),
      },
    );

    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    let booked = 0;
    let writing = true;
    const bookings = (async () => {
      while (writing) {
        if (w!.child.exitCode !== null || w!.child.signalCode !== null)
          throw new Error(`W exited:\n${w!.output.slice(-20).join("\n")}`);
        await apiClient(w!.baseUrl, await token()).bookings.create.mutate({ sessionId: session.id });
        booked++;
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    const seen = (target: ApiProcess) => proxy.connections.get(target.baseUrl) ?? 0;

    // 1. maxDurationMs: A ends the stream by itself; the client resumes where the proxy now points, B.
    await proxy.connectedTo(a!.baseUrl, 0);
    proxy.target = b!.baseUrl;
    await proxy.connectedTo(b!.baseUrl, 0);
    const onB = booked;
    // 2. The serving process killed: B dies mid-stream; the client resumes on W.
    while (booked < onB + 5) await new Promise((resolve) => setTimeout(resolve, 20));
    proxy.target = w!.baseUrl;
    b!.child.kill("SIGKILL");
    await proxy.connectedTo(w!.baseUrl, 0);
    const onW = booked;
    // 3. A dropped connection: every socket cut; the client resumes on A.
    while (booked < onW + 5) await new Promise((resolve) => setTimeout(resolve, 20));
    const aBefore = seen(a!);
    proxy.target = a!.baseUrl;
    proxy.dropAll();
    await proxy.connectedTo(a!.baseUrl, aBefore);
    const afterDrop = booked;
    while (booked < afterDrop + 5) await new Promise((resolve) => setTimeout(resolve, 20));
    writing = false;
    await bookings;

    // Everything committed has reached the client.
    const feed = await sql<{ position: string; confirmedCount: number }>(
      tdb.directUrl,
      `SELECT position::text AS position, confirmed_count AS "confirmedCount" FROM session_feed
       WHERE session_id = $1::uuid ORDER BY session_feed.position`,
      [session.id],
    );
    expect(feed).toHaveLength(booked);
    const last = feed.at(-1)!.position;
    while (received.at(-1)?.id !== last) await new Promise((resolve) => setTimeout(resolve, 20));
    subscription.unsubscribe();

    // The first event is the state at the start; every later one is the feed, exactly.
    expect(received[0]).toMatchObject({ confirmedCount: 0, seatsLeft: 500 });
    const changes = received.slice(1);
    expect(changes.map((event) => event.id)).toEqual(feed.map((entry) => entry.position));
    expect(changes.map((event) => event.confirmedCount)).toEqual(feed.map((entry) => entry.confirmedCount));
    expect(changes.map((event) => event.seatsLeft)).toEqual(feed.map((entry) => 500 - entry.confirmedCount));
    expect(errors).toEqual([]);
    // A short-lived instance's streams ended on their own more than once, each resumed.
    expect(seen(a!)).toBeGreaterThanOrEqual(2);
    console.log(
      `live resume: ${booked} bookings, ${received.length} events; connections A ${seen(a!)}, B ${seen(b!)}, W ${seen(w!)}`,
    );
  });
});
