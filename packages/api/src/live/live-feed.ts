import type { Queryable } from "@s3ssions/db";
import {
  type FeedEntry,
  readCurrentSeats,
  readFeedAfter,
  readMissedChanges,
  type SessionSeats,
} from "../domain/stores/session-feed.js";
import type { Logger } from "../logger.js";
import { eventIdOf, parseEventId, snapshotEventIds } from "./event-ids.js";

export interface LiveFeedOptions {
  /** How often the reader reads the feed while the instance has subscribers. */
  pollMs: number;
  /** The most entries one read takes; a full read is followed by another at once. */
  batch?: number;
  /** Entries a subscriber may have waiting before its stream is ended (it resumes). */
  maxQueued?: number;
  /** Entries the reader keeps after handing them out, to serve resumes without a statement. */
  maxRecent?: number;
  /**
   * How long the reader goes on after the last subscriber left (default 3 s): a stream
   * that just ended comes back within a second, and finds what it missed in memory.
   */
  idleAfterMs?: number;
  logger?: Logger;
}

/**
 * The instance's one reader of the change feed and its fan-out to this instance's live
 * streams. One loop reads the feed through the pool (one plain statement per interval,
 * whatever the number of subscribers; none while there is no subscriber) and hands each
 * entry to the subscribers of its session.
 */
export interface LiveFeed {
  /**
   * A subscriber's stream: the sessions' current state (or, with the id of the last event
   * it had, what it missed), then every change, each as `tracked(eventId, seats)`. Ends
   * when `signal` aborts.
   */
  watch(
    ids: readonly string[],
    lastEventId: string | null | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LiveEvent>;
  /** A change committed on this instance: read the feed now rather than at the next interval. */
  changed(): void;
  /** Subscribers on this instance. */
  readonly subscribers: number;
  /** Statements the reader has sent (a benchmark's counter). */
  readonly reads: number;
  /** Whether the reader is running (it stops once the instance has no subscriber). */
  readonly reading: boolean;
  /** Stops the reader; the streams end. */
  close(): void;
}

/** One event of a stream: its SSE id and the session's state. */
export interface LiveEvent {
  eventId: string;
  session: SessionSeats;
}

/**
 * A stream this instance cannot serve on (it is shutting down, or the stream fell too far
 * behind to buffer): the client should resume, here or elsewhere, from its last event.
 */
export class LiveStreamInterrupted extends Error {
  override name = "LiveStreamInterrupted";
}

interface Subscriber {
  ids: ReadonlySet<string>;
  /** Entries handed over by the reader, not yet sent. */
  queue: FeedEntry[];
  wake: () => void;
  overflowed: boolean;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });

export function createLiveFeed(db: Queryable, options: LiveFeedOptions): LiveFeed {
  const batch = options.batch ?? 500;
  const maxQueued = options.maxQueued ?? 10_000;
  const maxRecent = options.maxRecent ?? 10_000;
  const idleAfterMs = options.idleAfterMs ?? 3000;
  /** When the instance last had a subscriber. */
  let lastSubscribed = performance.now();
  const bySession = new Map<string, Set<Subscriber>>();
  let subscriberCount = 0;
  let reads = 0;
  let closed = false;
  /** The last position the reader has handed out; set when the reader starts. */
  let cursor = 0n;
  /**
   * The entries the reader handed out lately: every entry after `recentFrom` up to
   * `cursor`, in order. A stream that ends every ~25 s resumes from here, so that 500
   * viewers cost no more statements than one.
   */
  let recent: FeedEntry[] = [];
  let recentFrom = 0n;
  /** The reader's start (reading the head), then its loop; undefined while idle. */
  let reader: Promise<void> | undefined;
  /** Cuts the reader's wait short (a local change, or close). */
  let nudge = new AbortController();

  function add(subscriber: Subscriber) {
    for (const id of subscriber.ids) {
      const set = bySession.get(id) ?? new Set();
      bySession.set(id, set.add(subscriber));
    }
    subscriberCount++;
  }

  function remove(subscriber: Subscriber) {
    for (const id of subscriber.ids) {
      const set = bySession.get(id);
      set?.delete(subscriber);
      if (set?.size === 0) bySession.delete(id);
    }
    subscriberCount--;
    lastSubscribed = performance.now();
  }

  function deliver(entry: FeedEntry) {
    for (const subscriber of bySession.get(entry.session.id) ?? []) {
      if (subscriber.queue.length >= maxQueued) subscriber.overflowed = true;
      else subscriber.queue.push(entry);
      subscriber.wake();
    }
  }

  async function loop() {
    for (;;) {
      // Checked and cleared in one step: a subscriber that comes after this sees no reader
      // and starts one (ensureReader), never a reader that is about to stop.
      if (closed || (subscriberCount === 0 && performance.now() - lastSubscribed >= idleAfterMs)) {
        reader = undefined;
        return;
      }
      let full = false;
      // Reads start every pollMs, however long one takes: the rate is the instance's, not its load's.
      const began = performance.now();
      try {
        reads++;
        const entries = await readFeedAfter(db, cursor, batch);
        for (const entry of entries) {
          cursor = entry.position;
          recent.push(entry);
          deliver(entry);
        }
        if (recent.length > maxRecent) {
          const dropped = recent.splice(0, recent.length - maxRecent);
          recentFrom = (dropped.at(-1) as FeedEntry).position;
        }
        full = entries.length === batch;
      } catch (error) {
        // The next interval tries again from the same position: nothing is skipped.
        options.logger?.log("warn", "live feed read failed", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      if (!full) await sleep(Math.max(0, options.pollMs - (performance.now() - began)), nudge.signal);
      if (nudge.signal.aborted) nudge = new AbortController();
    }
  }

  /**
   * Starts the reader when it is idle. Its first statement reads the head, before the new
   * subscriber's own first read: every subscriber's starting point is at or after the
   * reader's, so whatever commits after a subscriber's start, the reader reads.
   */
  function ensureReader(): Promise<void> {
    reader ??= (async () => {
      reads++;
      const { head } = await readCurrentSeats(db, []);
      cursor = head;
      recent = [];
      recentFrom = head;
      void loop();
    })().catch((error: unknown) => {
      reader = undefined;
      throw error;
    });
    return reader;
  }

  const toEvent = (entry: FeedEntry): LiveEvent => ({ eventId: eventIdOf(entry.position), session: entry.session });

  /**
   * A stream's first events and the position they bring it to: what it missed after its
   * last event id (from memory when the reader still holds it, else from the feed), or,
   * with no position to resume from (a first connection, an id pruned or never issued, a
   * state cut short), the current state as of the head it was read at.
   */
  async function startOf(
    subscriber: Subscriber,
    lastEventId: string | null | undefined,
  ): Promise<{ events: LiveEvent[]; through: bigint }> {
    await ensureReader();
    const after = parseEventId(lastEventId);
    // Which way streams start, in the debug log: a benchmark counts them.
    const started = (from: "memory" | "feed" | "state") =>
      options.logger?.log("debug", "live stream started", {
        from,
        lastEventId: lastEventId ?? null,
        cursor: String(cursor),
      });
    if (after !== null && after >= recentFrom && after <= cursor) {
      const missed = recent.filter((entry) => entry.position > after && subscriber.ids.has(entry.session.id));
      started("memory");
      return { events: missed.map(toEvent), through: cursor };
    }
    const ids = [...subscriber.ids];
    if (after !== null) {
      const missed = await readMissedChanges(db, ids, after);
      started("feed");
      if (missed) return { events: missed.entries.map(toEvent), through: missed.head };
    }
    started("state");
    const current = await readCurrentSeats(db, ids);
    const eventIds = snapshotEventIds(current.head, current.sessions.length);
    return {
      events: current.sessions.map((session, index) => ({ eventId: eventIds[index] as string, session })),
      through: current.head,
    };
  }

  async function* watch(
    ids: readonly string[],
    lastEventId: string | null | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LiveEvent> {
    if (closed) throw new LiveStreamInterrupted("This instance is shutting down");
    let wake = () => {};
    const subscriber: Subscriber = { ids: new Set(ids), queue: [], wake: () => wake(), overflowed: false };
    add(subscriber);
    const onAbort = () => wake();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const first = await startOf(subscriber, lastEventId);
      let sent = first.through;
      for (const event of first.events) yield event;
      while (!signal?.aborted && !closed) {
        if (subscriber.overflowed) {
          // Too far behind to buffer: the client resumes from the last event it got.
          throw new LiveStreamInterrupted("The stream fell behind: resume from the last event");
        }
        const entry = subscriber.queue.shift();
        if (entry) {
          // Entries up to the starting point were already covered by the first read.
          if (entry.position <= sent) continue;
          sent = entry.position;
          yield { eventId: eventIdOf(entry.position), session: entry.session };
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (closed || signal?.aborted || subscriber.queue.length > 0 || subscriber.overflowed) resolve();
        });
        wake = () => {};
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      remove(subscriber);
    }
  }

  return {
    watch,
    changed() {
      if (reader) nudge.abort();
    },
    get subscribers() {
      return subscriberCount;
    },
    get reads() {
      return reads;
    },
    get reading() {
      return reader !== undefined;
    },
    close() {
      closed = true;
      nudge.abort();
      for (const set of bySession.values()) for (const subscriber of set) subscriber.wake();
    },
  };
}
