import superjson from "superjson";

/** One server-sent event as the wire carries it. */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/** The URL of a `sessions.live` stream, input as tRPC's client sends it (superjson). */
export function liveUrl(baseUrl: string, input: unknown): string {
  return `${baseUrl}/api/trpc/sessions.live?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
}

/** An SSE answer read as it arrives: its events, and whether the server ended it. */
export interface SseStream {
  response: Response;
  events: SseEvent[];
  /** Resolves when the server ended the stream (or the connection broke). */
  ended: Promise<void>;
  /** Resolves once `count` events of type `event` ("message" for data) have come. */
  waitFor(event: string, count?: number): Promise<SseEvent[]>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  let done = false;
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEvent = { event: "message", data: "" };
          let dispatched = false;
          for (const line of block.split("\n")) {
            const colon = line.indexOf(":");
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, "");
            if (field === "event") event.event = value;
            else if (field === "data") event.data += value;
            else if (field === "id") event.id = value;
            dispatched ||= field === "event" || field === "data";
          }
          // A block of `retry:` alone sets the reconnection delay and dispatches nothing.
          if (dispatched) events.push(event);
          cut = buffer.indexOf("\n\n");
        }
        notify();
      }
    } catch {
      // aborted or broken: ended all the same
    } finally {
      done = true;
      notify();
    }
  })();
  return {
    response,
    events,
    ended,
    waitFor(event, count = 1) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = events.filter((e) => e.event === event);
          if (matching.length >= count) {
            waiters.delete(check);
            resolve(matching);
          } else if (done) {
            waiters.delete(check);
            reject(
              new Error(
                `stream ended with ${matching.length} of ${count} "${event}" events: ${JSON.stringify(events)}`,
              ),
            );
          }
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}

/** A data event's payload (superjson-decoded). */
export function dataOf<T = Record<string, unknown>>(event: SseEvent): T {
  return superjson.deserialize(JSON.parse(event.data));
}
