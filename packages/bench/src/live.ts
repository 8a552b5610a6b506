// `pnpm --filter @s3ssions/bench bench:live` — live seats (sessions.live) across instances,
// through the real PgBouncer. Prints, exits 0 whether or not a target holds:
//
//  1. latency: one subscriber on instance A, bookings made through instance B one at a
//     time; from B's answer (the change committed) to the event on A, p50/p99/max over
//     --bookings (default 60), each event's seatsLeft checked;
//  2. cost: the statements instance A sends per second with 1 and with --viewers (default
//     500) idle subscribers, bookings going on through B at --rate per second, counted by
//     A's own PgBouncer (SHOW STATS: A is its only client); streams end every
//     LIVE_STREAM_MAX_MS (10 s here) and resume meanwhile;
//  3. memory: A's RSS with 1 and with --viewers subscribers, per idle stream.
//
//   pnpm --filter @s3ssions/bench bench:live [-- --bookings 60 --viewers 500 --seconds 12 --rate 5]
import { parseArgs } from "node:util";
import {
  createTestDatabase,
  ensurePgBouncer,
  signHs256,
  spawnApi,
  sql,
  startPrivatePgBouncer,
} from "@s3ssions/testing";
import { EventSource } from "eventsource";
import superjson from "superjson";
import { exitWhenSettled, quantile, rssMb } from "./harness.js";

const { values } = parseArgs({
  // `pnpm bench:live -- --viewers 50`: pnpm passes the `--` on.
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    bookings: { type: "string", default: "60" },
    viewers: { type: "string", default: "500" },
    seconds: { type: "string", default: "12" },
    rate: { type: "string", default: "5" },
  },
  allowPositionals: true,
});
const BOOKINGS = Number(values.bookings);
const VIEWERS = Number(values.viewers);
const WINDOW_S = Number(values.seconds);
const RATE = Number(values.rate);
const SECRET = "bench-live-jwt-secret-with-at-least-32-characters";
const STREAM_MAX_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Seats {
  id: string;
  seatsLeft: number;
  confirmedCount: number;
}

function liveUrl(base: string, ids: string[]): string {
  return `${base}/api/trpc/sessions.live?input=${encodeURIComponent(JSON.stringify(superjson.serialize({ ids })))}`;
}

/** An EventSource on sessions.live (it resumes by itself with Last-Event-ID). */
function follow(base: string, ids: string[], onSeats: (seats: Seats) => void): EventSource {
  const source = new EventSource(liveUrl(base, ids));
  source.addEventListener("message", (event) => onSeats(superjson.deserialize(JSON.parse(event.data))));
  return source;
}

async function book(base: string, sessionId: string): Promise<void> {
  const token = await signHs256(SECRET, { sub: crypto.randomUUID() });
  const response = await fetch(`${base}/api/trpc/bookings.create`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(superjson.serialize({ sessionId })),
  });
  if (response.status !== 200) throw new Error(`booking answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

async function poolerQueries(admin: (command: string) => Promise<Record<string, unknown>[]>, database: string) {
  const row = (await admin("SHOW STATS")).find((r) => r.database === database);
  return Number(row?.total_query_count ?? 0);
}

async function main() {
  await ensurePgBouncer();
  const tdb = await createTestDatabase("bench_live");
  const ownPooler = await startPrivatePgBouncer({ poolSize: 2 });
  const common = {
    SUPABASE_JWT_SECRET: SECRET,
    RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
    LOG_LEVEL: "debug",
    LIVE_STREAM_MAX_MS: String(STREAM_MAX_MS),
    LIVE_MAX_STREAMS: String(VIEWERS + 10),
  };
  const [a, b] = await Promise.all([
    // A alone behind its own PgBouncer: its SHOW STATS counts A's statements and nothing else.
    spawnApi({ env: { ...common, SUPABASE_DB_URL_TRANSACTION: ownPooler.url(tdb.name) } }),
    spawnApi({ env: { ...common, SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl() } }),
  ]);
  const sources: EventSource[] = [];
  try {
    const sessions = await sql<{ id: string }>(
      tdb.directUrl,
      `INSERT INTO sessions (id, host_id, title, starts_at, ends_at, timezone, capacity, updated_at)
       SELECT gen_random_uuid(), gen_random_uuid(), 'Live ' || n, now() + interval '2 days', now() + interval '2 days 1 hour', 'UTC', 100000, now()
       FROM generate_series(1, 20) n RETURNING id::text AS id`,
    );
    const ids = sessions.map((session) => session.id);
    const poll = 250; // LIVE_POLL_MS default

    // 1. Latency A ← B.
    const target = ids[0] as string;
    const arrivals = new Map<number, number>();
    const wrong: string[] = [];
    let ready: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      ready = resolve;
    });
    sources.push(
      follow(a.baseUrl, [target], (seats) => {
        arrivals.set(seats.confirmedCount, performance.now());
        if (seats.seatsLeft !== 100000 - seats.confirmedCount) wrong.push(JSON.stringify(seats));
        ready();
      }),
    );
    await first;
    const latencies: number[] = [];
    const fromRequest: number[] = [];
    for (let n = 1; n <= BOOKINGS; n++) {
      // Spread over the reader's interval, so that the phases of poll and booking vary.
      await sleep(Math.random() * poll);
      const sent = performance.now();
      await book(b.baseUrl, target);
      const committed = performance.now();
      while (!arrivals.has(n)) {
        if (performance.now() - committed > 10_000) throw new Error(`booking ${n} never reached A`);
        await sleep(2);
      }
      const at = arrivals.get(n) as number;
      latencies.push(Math.max(0, at - committed));
      fromRequest.push(at - sent);
    }
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    console.log(`\nlatency, booking through B → event on A (${BOOKINGS} bookings, LIVE_POLL_MS ${poll}):`);
    console.log(
      `  from B's answer:  p50 ${ms(quantile(latencies, 0.5))}  p99 ${ms(quantile(latencies, 0.99))}  max ${ms(Math.max(...latencies))}`,
    );
    console.log(
      `  from B's request: p50 ${ms(quantile(fromRequest, 0.5))}  p99 ${ms(quantile(fromRequest, 0.99))}  max ${ms(Math.max(...fromRequest))}`,
    );
    console.log(`  seatsLeft wrong in ${wrong.length} of ${arrivals.size} events; target p99 < 1000 ms`);

    // 2. + 3. Statements/s and memory, 1 viewer (the one above) then VIEWERS.
    const measure = async (label: string) => {
      await sleep(STREAM_MAX_MS + 1000); // connected, settled, each stream resumed at least once
      const rss = rssMb(a.child.pid as number).rss;
      const before = await poolerQueries(ownPooler.admin, tdb.name);
      const started = performance.now();
      let booked = 0;
      while (performance.now() - started < WINDOW_S * 1000) {
        await book(b.baseUrl, ids[booked % ids.length] as string);
        booked++;
        await sleep(1000 / RATE);
      }
      const seconds = (performance.now() - started) / 1000;
      const queries = (await poolerQueries(ownPooler.admin, tdb.name)) - before;
      const starts: Record<string, number> = { memory: 0, feed: 0, state: 0 };
      for (const line of a.output.splice(0)) {
        if (process.env.BENCH_LIVE_DEBUG && line.includes("live stream started")) console.log(line);
        const from = /"msg":"live stream started".*"from":"(\w+)"/.exec(line)?.[1];
        if (from) starts[from] = (starts[from] ?? 0) + 1;
      }
      return { label, perSecond: queries / seconds, rss, booked, starts };
    };
    const one = await measure("1 viewer");
    let delivered = 0;
    const connected = new Set<number>();
    const connecting = performance.now();
    for (let i = 1; i < VIEWERS; i++) {
      // Each follows 5 of the 20 sessions.
      const mine = Array.from({ length: 5 }, (_, k) => ids[(i + k) % ids.length] as string);
      sources.push(
        follow(a.baseUrl, mine, () => {
          delivered++;
          connected.add(i);
        }),
      );
      if (i % 50 === 0) await sleep(50);
    }
    while (connected.size < VIEWERS - 1) await sleep(50);
    console.log(`\n${VIEWERS - 1} more viewers connected to A in ${((performance.now() - connecting) / 1000).toFixed(1)} s`);
    const many = await measure(`${VIEWERS} viewers`);
    console.log(
      `\ncost on instance A (its own PgBouncer's SHOW STATS), bookings through B at ${RATE}/s, streams ending every ${STREAM_MAX_MS / 1000} s:`,
    );
    for (const row of [one, many]) {
      console.log(
        `  ${row.label.padEnd(12)} ${row.perSecond.toFixed(2)} statements/s  (${row.booked} bookings in the window; streams started since the last row: ${JSON.stringify(row.starts)})`,
      );
    }
    const diff = ((many.perSecond - one.perSecond) / one.perSecond) * 100;
    console.log(
      `  difference ${diff >= 0 ? "+" : ""}${diff.toFixed(1)}% (target < 10%); events delivered to the ${VIEWERS - 1} extra viewers: ${delivered}`,
    );
    console.log(
      `\nmemory of instance A: RSS ${one.rss.toFixed(1)} MB with 1 viewer, ${many.rss.toFixed(1)} MB with ${VIEWERS}`,
    );
    console.log(`  ≈ ${(((many.rss - one.rss) * 1024) / (VIEWERS - 1)).toFixed(1)} KiB per idle stream`);
  } finally {
    for (const source of sources) source.close();
    await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
    await ownPooler.stop();
    await tdb.drop();
  }
}

exitWhenSettled(main());
