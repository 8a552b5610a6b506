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
  const bySession = new Map<string, Set<Subscriber>>();
  let subscriberCount = 0;
  let reads = 0;
  let closed = false;
  /** The last position the reader has handed out; set when the reader starts. */
  let cursor = 0n;
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
      if (subscriberCount === 0 || closed) {
        reader = undefined;
        return;
      }
      let full = false;
      try {
        reads++;
        const entries = await readFeedAfter(db, cursor, batch);
        for (const entry of entries) {
          cursor = entry.position;
          deliver(entry);
        }
        full = entries.length === batch;
      } catch (error) {
        // The next interval tries again from the same position: nothing is skipped.
        options.logger?.log("warn", "live feed read failed", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      if (!full) await sleep(options.pollMs, nudge.signal);
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
      void loop();
    })().catch((error: unknown) => {
      reader = undefined;
      throw error;
    });
    return reader;
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
      await ensureReader();
      const resumeAfter = parseEventId(lastEventId);
      const missed = resumeAfter === null ? null : await readMissedChanges(db, ids, resumeAfter);
      let sent: bigint;
      if (missed) {
        for (const entry of missed.entries) yield { eventId: eventIdOf(entry.position), session: entry.session };
        sent = missed.head;
      } else {
        // No position to resume from (a first connection, an id pruned or never issued, a
        // snapshot cut short): the current state, as of the head it was read at.
        const current = await readCurrentSeats(db, ids);
        const eventIds = snapshotEventIds(current.head, current.sessions.length);
        for (const [index, session] of current.sessions.entries())
          yield { eventId: eventIds[index] as string, session };
        sent = current.head;
      }
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
