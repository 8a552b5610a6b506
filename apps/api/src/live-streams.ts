/**
 * The instance's open live streams (SSE answers of tRPC subscriptions): bounded, so that
 * one instance never holds more than it can feed (past the bound a new stream gets 503
 * with Retry-After, and the SDK tries again later, on whichever instance answers), and
 * ended together at shutdown, so that their clients resume elsewhere at once.
 *
 * A stream ended here closes without tRPC's `return` event: to the client it is a dropped
 * connection, which it resumes with its last event id. (`return` would tell it the
 * subscription is over.)
 */
export interface LiveStreams {
  /** A place for one more stream, or null when the instance is at its bound (or stopping). */
  reserve(): Reservation | null;
  /** Streams open now. */
  readonly open: number;
  /** Ends every open stream and refuses new ones. */
  endAll(): void;
}

export interface Reservation {
  /** The answer, its SSE body counted until it ends; a body that is not a stream frees the place. */
  track(response: Response): Response;
  /** The request did not become a stream. */
  release(): void;
}

/** Seconds a refused client should wait before its next try. */
export const LIVE_RETRY_AFTER_SECONDS = 2;

/**
 * The reconnection delay each stream announces first (the SSE `retry:` field), 0.1–0.5 s
 * spread across streams: without it an EventSource waits about 3 s after every end of a
 * stream (a change in that gap reaches the viewer that much later), and an instance's
 * streams, ended together at a shutdown, would all come back at the same instant.
 */
const reconnectField = () => new TextEncoder().encode(`retry: ${100 + Math.floor(Math.random() * 400)}\n\n`);

export function createLiveStreams(maxStreams: number): LiveStreams {
  const ends = new Set<() => void>();
  let reserved = 0;
  let stopping = false;

  function track(response: Response, release: () => void): Response {
    const body = response.body;
    if (!body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
      release();
      return response;
    }
    const reader = body.getReader();
    let finished = false;
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    const finish = () => {
      if (finished) return false;
      finished = true;
      ends.delete(end);
      release();
      return true;
    };
    const end = () => {
      if (!finish()) return;
      controller?.close();
      // tRPC's stream is cancelled as when the client goes: the subscription's signal aborts.
      void reader.cancel().catch(() => {});
    };
    const stream = new ReadableStream<Uint8Array>({
      start(streamController) {
        controller = streamController;
        streamController.enqueue(reconnectField());
      },
      async pull(streamController) {
        const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (finished) return;
        if (chunk.done) {
          finish();
          streamController.close();
        } else streamController.enqueue(chunk.value);
      },
      cancel(reason) {
        finish();
        return reader.cancel(reason);
      },
    });
    ends.add(end);
    const headers = new Headers(response.headers);
    // The connection ends with the stream: the client's next one may reach any instance
    // (a balancer routes HTTP/1.1 by connection), not the one that just ended the stream.
    headers.set("connection", "close");
    return new Response(stream, { status: response.status, headers });
  }

  return {
    reserve() {
      if (stopping || reserved >= maxStreams) return null;
      reserved++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        reserved--;
      };
      return { track: (response) => track(response, release), release };
    },
    get open() {
      return reserved;
    },
    endAll() {
      stopping = true;
      for (const end of [...ends]) end();
    },
  };
}
