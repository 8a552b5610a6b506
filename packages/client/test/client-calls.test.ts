// The built SDK (dist/) against the real API process: typed calls, dates, the access token
// of the moment, and the error helpers.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createClient,
  getErrorCode,
  getFieldErrors,
  getRequestId,
  isS3ssionsError,
  TRPCClientError,
  transformer,
} from "../dist/index.js";
import {
  CONNECTED_DB_REPORT,
  failure,
  hoursFromNow,
  recordingFetch,
  type RunningApi,
  sessionInput,
  startApi,
} from "./support.js";

describe("createClient against the API", () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi("sdk_calls");
  });
  afterAll(() => api?.close());

  it("answers health, typed, with the calls of one tick in one request", async () => {
    const { fetch, requests } = recordingFetch();
    const client = createClient({ url: api.baseUrl, fetch });
    const [check, db] = await Promise.all([client.health.check.query(), client.health.db.query()]);
    expect(check).toMatchObject({ status: "ok", platform: "vercel_serverless", environment: "test" });
    expect(db).toMatchObject(CONNECTED_DB_REPORT);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toContain("/api/trpc/health.check,health.db?batch=1");
  });

  it("pages through upcoming sessions with nextCursor", async () => {
    const host = await api.user();
    const hostClient = createClient({ url: api.baseUrl, getAccessToken: () => host.token });
    const created = [];
    for (let i = 0; i < 7; i++) {
      created.push(
        await hostClient.sessions.create.mutate(
          sessionInput({ title: `Page ${i}`, startsAt: hoursFromNow(30 + i), endsAt: hoursFromNow(31 + i) }),
        ),
      );
    }
    const client = createClient({ url: api.baseUrl });
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.sessions.list.query({ hostId: host.id, limit: 3, ...(cursor ? { cursor } : {}) });
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((session) => session.id));
      expect(page.items.every((session) => session.startsAt instanceof Date)).toBe(true);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(created.map((session) => session.id));
  });

  it("books with the token of the moment: getAccessToken runs for every request", async () => {
    const host = await api.user();
    const a = await api.user();
    const b = await api.user();
    const session = await createClient({ url: api.baseUrl, getAccessToken: () => host.token }).sessions.create.mutate(
      sessionInput({ capacity: 1 }),
    );
    let token: string | null = a.token;
    let asked = 0;
    const client = createClient({
      url: api.baseUrl,
      getAccessToken: async () => {
        asked += 1;
        return token;
      },
    });
    const first = await client.bookings.create.mutate({ sessionId: session.id });
    expect(first).toMatchObject({ sessionId: session.id, userId: a.id, status: "confirmed" });
    expect(first.createdAt).toBeInstanceOf(Date);
    token = b.token;
    const second = await client.bookings.create.mutate({ sessionId: session.id });
    expect(second).toMatchObject({ userId: b.id, status: "waitlisted" });
    expect(asked).toBe(2);
    token = null;
    const error = await failure(client.bookings.mine.query());
    expect(isS3ssionsError(error, "UNAUTHORIZED")).toBe(true);
    expect(asked).toBe(3);
  });

  it("error helpers give the code, the field errors and the request id", async () => {
    const host = await api.user();
    const user = await api.user();
    const hostClient = createClient({ url: api.baseUrl, getAccessToken: () => host.token });
    const userClient = createClient({ url: api.baseUrl, getAccessToken: () => user.token });

    const notFound = await failure(userClient.sessions.byId.query({ id: randomUUID() }));
    expect(notFound).toBeInstanceOf(TRPCClientError);
    expect(getErrorCode(notFound)).toBe("NOT_FOUND");
    expect(isS3ssionsError(notFound)).toBe(true);
    expect(isS3ssionsError(notFound, "NOT_FOUND")).toBe(true);
    expect(isS3ssionsError(notFound, "CONFLICT")).toBe(false);
    expect(getRequestId(notFound)).toMatch(/\S{8,}/);
    expect(isS3ssionsError(notFound) && notFound.data?.httpStatus).toBe(404);

    const invalid = await failure(userClient.bookings.create.mutate({ sessionId: "not-a-uuid" }));
    expect(getErrorCode(invalid)).toBe("BAD_REQUEST");
    expect(Object.keys(getFieldErrors(invalid))).toEqual(["sessionId"]);

    const session = await hostClient.sessions.create.mutate(sessionInput({ capacity: 2 }));
    await userClient.bookings.create.mutate({ sessionId: session.id });
    await hostClient.bookings.create.mutate({ sessionId: session.id });
    const conflict = await failure(hostClient.sessions.update.mutate({ id: session.id, capacity: 1 }));
    expect(getErrorCode(conflict)).toBe("CONFLICT");
    expect(getErrorCode(await failure(userClient.sessions.cancel.mutate({ id: session.id })))).toBe("FORBIDDEN");

    for (const other of [new Error("x"), "x", null, undefined, { data: { code: "CONFLICT" } }]) {
      expect(getErrorCode(other)).toBeNull();
      expect(isS3ssionsError(other)).toBe(false);
      expect(getFieldErrors(other)).toEqual({});
      expect(getRequestId(other)).toBeNull();
    }
  });

  it("exports the wire's transformer: what dehydrated query data needs to come back with Dates", async () => {
    const page = await createClient({ url: api.baseUrl }).sessions.list.query({ limit: 1 });
    const text = JSON.stringify(transformer.serialize({ page, at: new Date(5) }));
    const back = transformer.deserialize<{ page: typeof page; at: Date }>(JSON.parse(text));
    expect(back.at).toEqual(new Date(5));
    expect(back.page).toEqual(page);
  });
});
