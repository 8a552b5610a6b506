// The built SDK (dist/) against the real API process: how calls become requests (batches
// within the server's limits, unbatched, custom links) and the options it refuses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, isS3ssionsError, getErrorCode, MAX_BATCH_SIZE, MAX_URL_LENGTH } from "../dist/index.js";
import { httpBatchStreamLink, loggerLink } from "@trpc/client";
import { failure, recordingFetch, type RunningApi, sessionInput, startApi } from "./support.js";

describe("createClient against the API", () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi("sdk_batching");
  });
  afterAll(() => api?.close());

  it(`splits batches at MAX_BATCH_SIZE (${MAX_BATCH_SIZE}) calls`, async () => {
    const host = await api.user();
    const session = await createClient({ url: api.baseUrl, getAccessToken: () => host.token }).sessions.create.mutate(
      sessionInput(),
    );
    const { fetch, sizes } = recordingFetch();
    const client = createClient({ url: api.baseUrl, fetch });
    const results = await Promise.all(
      Array.from({ length: 120 }, () => client.sessions.byId.query({ id: session.id })),
    );
    expect(results.every((result) => result.id === session.id)).toBe(true);
    expect(sizes()).toEqual([50, 50, 20]);
  });

  it(`keeps every batched GET within MAX_URL_LENGTH (${MAX_URL_LENGTH}) and the server answers each`, async () => {
    const { fetch, requests } = recordingFetch();
    const client = createClient({ url: api.baseUrl, fetch });
    // 40 calls with a 200-character cursor: about 11 KB of URL if sent together.
    const calls = Array.from({ length: 40 }, (_, i) =>
      failure(client.sessions.list.query({ cursor: `${i}`.padEnd(200, "x") })),
    );
    const errors = await Promise.all(calls);
    expect(errors.map(getErrorCode)).toEqual(Array(40).fill("BAD_REQUEST"));
    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests) expect(request.url.length).toBeLessThanOrEqual(MAX_URL_LENGTH);

    const small = recordingFetch();
    const strict = createClient({ url: api.baseUrl, fetch: small.fetch, batch: { maxURLLength: 2048 } });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => failure(strict.sessions.list.query({ cursor: `${i}`.padEnd(200, "y") }))),
    );
    expect(small.requests.length).toBeGreaterThan(requests.length);
    for (const request of small.requests) expect(request.url.length).toBeLessThanOrEqual(2048);
  });

  it("a single query too long for any URL fails before anything is sent", async () => {
    const { fetch, requests } = recordingFetch();
    const client = createClient({ url: api.baseUrl, fetch });
    const error = await failure(client.sessions.byId.query({ id: "x".repeat(MAX_URL_LENGTH) }));
    expect(isS3ssionsError(error)).toBe(true);
    expect(requests).toHaveLength(0);
  });

  it("batch: false sends one request per call; the URL may be given with /api/trpc or a trailing slash", async () => {
    const { fetch, requests } = recordingFetch();
    const unbatched = createClient({ url: `${api.baseUrl}/`, fetch, batch: false });
    await Promise.all([unbatched.health.check.query(), unbatched.health.check.query(), unbatched.health.db.query()]);
    expect(requests).toHaveLength(3);
    expect(requests.every((request) => !request.url.includes("batch=1"))).toBe(true);
    const explicit = createClient({ url: `${api.baseUrl}/api/trpc` });
    expect((await explicit.health.check.query()).status).toBe("ok");
  });

  it("links: a logger in front keeps the defaults; a stream link built from `options` keeps auth and dates", async () => {
    const host = await api.user();
    const { fetch, requests } = recordingFetch();
    const logged: string[] = [];
    const loggedClient = createClient({
      url: api.baseUrl,
      fetch,
      getAccessToken: () => host.token,
      links: ({ http }) => [
        loggerLink({
          console: { log: (...args: unknown[]) => logged.push(String(args[0])), error: () => {} },
          colorMode: "none",
        }),
        http,
      ],
    });
    const [created, check] = await Promise.all([
      loggedClient.sessions.create.mutate(sessionInput({ title: "Through a logger" })),
      loggedClient.health.check.query(),
    ]);
    expect(created.hostId).toBe(host.id);
    expect(check.status).toBe("ok");
    expect(logged.some((line) => /sessions\.create/.test(line))).toBe(true);
    // The batch link still ran: one query and one mutation are two requests, never one per link.
    expect(requests.map((request) => request.method).sort()).toEqual(["GET", "POST"]);

    const streamed = createClient({
      url: api.baseUrl,
      getAccessToken: () => host.token,
      links: ({ options }) => [httpBatchStreamLink(options)],
    });
    const [mine, session] = await Promise.all([
      streamed.bookings.mine.query({ limit: 1 }),
      streamed.sessions.byId.query({ id: created.id }),
    ]);
    expect(mine.items).toEqual([]);
    expect(session.startsAt).toBeInstanceOf(Date);
    expect(() => createClient({ url: api.baseUrl, links: () => [] })).toThrow(TypeError);

    // tRPC's own batch link asks for one set of headers per request: two users' calls in
    // one of its batches fail together rather than travel under one user's token.
    const other = await api.user();
    let current = host.token;
    const shared = createClient({
      url: api.baseUrl,
      getAccessToken: () => current,
      links: ({ options }) => [httpBatchStreamLink(options)],
    });
    const first = shared.bookings.mine.query({ limit: 1 });
    current = other.token;
    const second = shared.bookings.mine.query({ limit: 1 });
    const settled = await Promise.allSettled([first, second]);
    expect(settled.map((result) => result.status)).toEqual(["rejected", "rejected"]);
  });

  it("refuses batch limits beyond the server's and nonsense timeouts", () => {
    expect(() => createClient({ url: api.baseUrl, batch: { maxItems: MAX_BATCH_SIZE + 1 } })).toThrow(RangeError);
    expect(() => createClient({ url: api.baseUrl, batch: { maxItems: 0 } })).toThrow(RangeError);
    expect(() => createClient({ url: api.baseUrl, batch: { maxURLLength: MAX_URL_LENGTH + 1 } })).toThrow(RangeError);
    expect(() => createClient({ url: api.baseUrl, timeoutMs: -1 })).toThrow(RangeError);
    expect(() => createClient({ url: "" })).toThrow(TypeError);
  });
});
