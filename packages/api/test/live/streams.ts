import { sql } from "@s3ssions/testing";
import type { Caller } from "../routers/procedures.js";

type LiveInput = Parameters<Caller["sessions"]["live"]>[0];
type LiveEvent = {
  id: string;
  data: {
    id: string;
    confirmedCount: number;
    waitlistCount: number;
    capacity: number;
    seatsLeft: number;
    status: string;
    updatedAt: Date;
  };
};

/** A live stream called in-process: its events one by one, and a way to end it. */
export interface Stream {
  iterator: AsyncIterator<LiveEvent>;
  close(): Promise<void>;
}

export async function watchLive(caller: Caller, input: LiveInput): Promise<Stream> {
  const iterable = (await caller.sessions.live(input)) as unknown as AsyncIterable<LiveEvent>;
  const iterator = iterable[Symbol.asyncIterator]();
  return {
    iterator,
    async close() {
      await iterator.return?.();
    },
  };
}

/** The next `count` events of a stream (tracked envelopes: `{ id, data }`). */
export async function nextEvents(stream: Stream, count: number): Promise<LiveEvent[]> {
  const events: LiveEvent[] = [];
  while (events.length < count) {
    const next = await stream.iterator.next();
    if (next.done) throw new Error(`the stream ended after ${events.length} of ${count} events`);
    const value = next.value as unknown as [string, LiveEvent["data"]];
    events.push({ id: value[0], data: value[1] });
  }
  return events;
}

/** The feed's entries for these sessions, in position order, as the table holds them. */
export async function feedOf(url: string, ids: string[]) {
  return sql<{ position: string; sessionId: string; confirmedCount: number }>(
    url,
    `SELECT position::text AS position, session_id::text AS "sessionId", confirmed_count AS "confirmedCount"
     FROM session_feed WHERE session_id = ANY($1::uuid[]) ORDER BY session_feed.position`,
    [ids],
  );
}
