import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnApi } from "@s3ssions/testing";
import { type DomainApi, JWT_SECRET, sessionInput, startDomainApi } from "../support.js";
import { dataOf, liveUrl, openSse } from "./sse.js";

// The SSE edge of sessions.live on a real server process behind the real pooler: the
// stream's headers and lifetime, the per-instance bound, bad input, graceful shutdown.

let api: DomainApi;
beforeAll(async () => {
  api = await startDomainApi("live_streams", {
    LIVE_STREAM_MAX_MS: "800",
    LIVE_PING_MS: "100",
    LIVE_POLL_MS: "50",
    LIVE_MAX_STREAMS: "2",
  });
});
afterAll(() => api?.close());

describe("a live stream over SSE", () => {
  it("is text/event-stream, never stored, pinged, and ends by itself before maxDuration without `return`", async () => {
    const host = await api.as();
    const session = await host.api.sessions.create.mutate(sessionInput({ capacity: 4 }));
    const stream = await openSse(liveUrl(api.baseUrl, { ids: [session.id] }));
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get("cache-control")).toMatch(/no-store/);
    const [state] = await stream.waitFor("message");
    expect(dataOf(state!)).toMatchObject({ id: session.id, seatsLeft: 4 });
    expect(state!.id).toMatch(/^\d+$/);
    await stream.waitFor("ping");
    await stream.ended;
    // Ended as a dropped connection, not as a finished subscription: the client resumes.
    expect(stream.events.map((event) => event.event)).not.toContain("return");
    expect(stream.events[0]!.event).toBe("connected");
  });

  it("past LIVE_MAX_STREAMS an instance answers 503 with Retry-After; a place frees when a stream ends", async () => {
    const host = await api.as();
    const session = await host.api.sessions.create.mutate(sessionInput());
    const url = liveUrl(api.baseUrl, { ids: [session.id] });
    const open = [await openSse(url), await openSse(url)];
    await Promise.all(open.map((stream) => stream.waitFor("message")));
    const refused = await fetch(url, { headers: { accept: "text/event-stream" } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("2");
    expect((await refused.json()).error.json.data.code).toBe("SERVICE_UNAVAILABLE");
    open[0]!.close();
    await open[0]!.ended;
    // The server sees the hang-up at its next write (a ping): then the place is free.
    let again = await openSse(url);
    for (let tries = 0; again.response.status === 503 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await openSse(url);
    }
    expect(again.response.status).toBe(200);
    again.close();
    open[1]!.close();
  });

  it("bad input is a typed 400 before any stream opens: 101 ids, a malformed id, a malformed lastEventId", async () => {
    const ids = Array.from({ length: 101 }, () => crypto.randomUUID());
    for (const input of [{ ids }, { ids: ["nope"] }, { ids: [crypto.randomUUID()], lastEventId: "x\u0001" }]) {
      const response = await fetch(liveUrl(api.baseUrl, input), { headers: { accept: "text/event-stream" } });
      expect(response.status, JSON.stringify(input).slice(0, 60)).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const body = await response.json();
      expect(body.error.json.data.code).toBe("BAD_REQUEST");
      expect(JSON.stringify(body)).not.toMatch(/stack|at \//);
    }
    // A Last-Event-ID header that was never issued: the current state, as for a first connection.
    const host = await api.as();
    const session = await host.api.sessions.create.mutate(sessionInput());
    const fresh = await openSse(liveUrl(api.baseUrl, { ids: [session.id] }), { "last-event-id": "987654321987" });
    expect(dataOf((await fresh.waitFor("message"))[0]!)).toMatchObject({ id: session.id });
    fresh.close();
    // And the instance is free: health answers.
    expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);
  });
});

describe("graceful shutdown", () => {
  it("SIGTERM ends the open streams at once (no `return`: the clients resume elsewhere) and the process exits 0", async () => {
    const other = await spawnApi({
      env: { SUPABASE_DB_URL_TRANSACTION: api.tdb.pooledUrl(), SUPABASE_JWT_SECRET: JWT_SECRET },
    });
    const host = await api.as();
    const session = await host.api.sessions.create.mutate(sessionInput());
    const stream = await openSse(liveUrl(other.baseUrl, { ids: [session.id] }));
    await stream.waitFor("message");
    const started = performance.now();
    const exit = other.stop("SIGTERM");
    await stream.ended;
    expect(await exit).toBe(0);
    // Streams last 25 s by default: the shutdown did not wait for it.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(stream.events.map((event) => event.event)).not.toContain("return");
    expect(other.output.join("\n")).toMatch(/"msg":"live streams ended".*"streams":1/);
  });
});
