import { createClient, getErrorCode, isS3ssionsError } from "@s3ssions/client";
import { type FaultProxy, type TestApi, sessionInput, sql, startFaultProxy, startTestApi } from "@s3ssions/testing";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JWT_SECRET } from "../support.js";

// Issue #20 as an app meets it: the SDK between the app and the fault proxy, the first
// answer lost after the server committed. The SDK's own retry, under the key it gave the
// call, returns the first result and the database holds one effect. With the SDK's keys
// off the call fails, and the retry an app would then make by hand is a second effect.

let t: TestApi;
let proxy: FaultProxy;

beforeAll(async () => {
  t = await startTestApi("idem_sdk", { jwtSecret: JWT_SECRET });
  proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: Number(new URL(t.baseUrl).port) } });
});
afterAll(async () => {
  await proxy?.close();
  await t?.close();
});

async function count(text: string, values: unknown[]): Promise<number> {
  const [row] = await sql<{ n: number }>(t.tdb.directUrl, text, values);
  return row!.n;
}

// A connection per request: the plan's "next connection" is the call's first attempt,
// never a kept-alive connection an earlier test left open.
const agent = new Agent({ pipelining: 0 });
const freshConnectionFetch = (url: string, init?: RequestInit) =>
  undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;

/** The SDK as a signed-in app has it, through the proxy; the next connection's answer is lost. */
function losingClient(token: string, idempotencyKeys = true) {
  const next = proxy.stats.connections;
  proxy.setPlan((index) => (index === next ? { kind: "lose-response" } : null));
  return createClient({
    url: `http://${proxy.address}`,
    getAccessToken: () => token,
    idempotencyKeys,
    fetch: freshConnectionFetch,
  });
}

let lostBefore = 0;
beforeEach(() => {
  lostBefore = proxy.stats.fired["lose-response"];
});
afterEach(() => {
  // Every case lost exactly one answer: the retry (the SDK's, or the app's) got through.
  expect(proxy.stats.fired["lose-response"]).toBe(lostBefore + 1);
});

const direct = (token: string) => createClient({ url: t.baseUrl, getAccessToken: () => token });

describe("the SDK's retry after a lost answer returns the first result, one effect", () => {
  it("sessions.create", async () => {
    const host = await t.token();
    const created = await losingClient(host.token).sessions.create.mutate(sessionInput() as never);
    const ids = await sql<{ id: string }>(t.tdb.directUrl, "SELECT id::text FROM sessions WHERE host_id = $1", [
      host.userId,
    ]);
    expect(ids.map((row) => row.id)).toEqual([created.id]);
  });

  it("sessions.update: one promotion from the waitlist", async () => {
    const host = await t.token();
    const session = await direct(host.token).sessions.create.mutate(sessionInput({ capacity: 1 }) as never);
    await direct((await t.token()).token).bookings.create.mutate({ sessionId: session.id });
    const waiting = await direct((await t.token()).token).bookings.create.mutate({ sessionId: session.id });
    const updated = await losingClient(host.token).sessions.update.mutate({ id: session.id, capacity: 2 } as never);
    expect(updated).toMatchObject({ id: session.id, confirmedCount: 2, waitlistCount: 0 });
    expect(
      await count("SELECT count(*)::int AS n FROM tasks WHERE kind = 'booking.promoted' AND payload->'booking'->>'id' = $1", [
        waiting.id,
      ]),
    ).toBe(1);
  });

  it("sessions.cancel: its bookings cancelled once, one event", async () => {
    const host = await t.token();
    const session = await direct(host.token).sessions.create.mutate(sessionInput({ capacity: 3 }) as never);
    await direct((await t.token()).token).bookings.create.mutate({ sessionId: session.id });
    const cancelled = await losingClient(host.token).sessions.cancel.mutate({ id: session.id });
    expect(cancelled).toMatchObject({ id: session.id, status: "cancelled" });
    expect(
      await count("SELECT count(*)::int AS n FROM tasks WHERE kind = 'session.cancelled' AND payload->'session'->>'id' = $1", [
        session.id,
      ]),
    ).toBe(1);
  });

  it("bookings.create and bookings.cancel: the one booking, then its one cancellation", async () => {
    const host = await t.token();
    const session = await direct(host.token).sessions.create.mutate(sessionInput({ capacity: 2 }) as never);
    const guest = await t.token();
    const booking = await losingClient(guest.token).bookings.create.mutate({ sessionId: session.id });
    expect(await count("SELECT count(*)::int AS n FROM bookings WHERE user_id = $1", [guest.userId])).toBe(1);
    expect(await count("SELECT confirmed_count AS n FROM sessions WHERE id = $1", [session.id])).toBe(1);
    expect(proxy.stats.fired["lose-response"]).toBe(lostBefore + 1);
    lostBefore++;
    const cancelled = await losingClient(guest.token).bookings.cancel.mutate({ id: booking.id });
    expect(cancelled).toMatchObject({ id: booking.id, status: "cancelled" });
    expect(
      await count("SELECT count(*)::int AS n FROM tasks WHERE kind = 'booking.cancelled' AND payload->'booking'->>'id' = $1", [
        booking.id,
      ]),
    ).toBe(1);
  });

  it("with the SDK's keys off the call fails, and an app's retry by hand is a second session", async () => {
    const host = await t.token();
    const client = losingClient(host.token, false);
    const input = sessionInput() as never;
    const error = await client.sessions.create.mutate(input).catch((caught: unknown) => caught);
    expect(isS3ssionsError(error)).toBe(true);
    expect(getErrorCode(error)).toBeNull();
    await client.sessions.create.mutate(input);
    expect(await count("SELECT count(*)::int AS n FROM sessions WHERE host_id = $1", [host.userId])).toBe(2);
  });
});
