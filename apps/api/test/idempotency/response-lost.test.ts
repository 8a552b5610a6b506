import { randomUUID } from "node:crypto";
import { requestFingerprint } from "@s3ssions/api";
import { type FaultProxy, type TestApi, sessionInput, sql, startFaultProxy, startTestApi } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JWT_SECRET } from "../support.js";
import { type KeyedAnswer, mutate } from "./keyed-http.js";

// Issue #20 over HTTP: a real server process behind PgBouncer, the fault proxy between the
// client and it. The first request's answer is lost after the server committed; the retry
// with the same Idempotency-Key gets the first result, and the database holds one effect.
// Without a key the same retry is a second effect: the test can fail.

let t: TestApi;
let proxy: FaultProxy;
let viaProxy: string;

beforeAll(async () => {
  t = await startTestApi("idem_http", { jwtSecret: JWT_SECRET });
  proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: Number(new URL(t.baseUrl).port) } });
  viaProxy = `http://${proxy.address}`;
});
afterAll(async () => {
  await proxy?.close();
  await t?.close();
});

async function one<T>(text: string, values: unknown[]): Promise<T> {
  const rows = await sql<Record<string, T>>(t.tdb.directUrl, text, values);
  return Object.values(rows[0] ?? {})[0] as T;
}

/** Tasks of `kind` naming `id` (a booking's or a session's) in their payload: one per effect. */
function tasksAbout(kind: string, field: "booking" | "session", id: string): Promise<number> {
  return one(`SELECT count(*)::int FROM tasks WHERE kind = $1 AND payload->$2->>'id' = $3`, [kind, field, id]);
}

/** A mutation straight to the server (setup), which must succeed. */
async function direct(procedure: string, input: unknown, token: string): Promise<Record<string, unknown>> {
  const answer = await mutate(t.baseUrl, procedure, input, { token });
  expect(answer.status, answer.text).toBe(200);
  return answer.data!;
}

/**
 * The call through the proxy with its answer lost after the server handled it, then the
 * same call again (the same key, or none): the retry's answer.
 */
async function lostThenRetried(procedure: string, input: unknown, token: string, key?: string): Promise<KeyedAnswer> {
  const faulty = proxy.stats.connections;
  const lostBefore = proxy.stats.fired["lose-response"];
  proxy.setPlan((index) => (index === faulty ? { kind: "lose-response" } : null));
  const lost = await mutate(viaProxy, procedure, input, { token, key });
  expect(lost.status, lost.text).toBe(0);
  expect(proxy.stats.fired["lose-response"]).toBe(lostBefore + 1);
  const retry = await mutate(viaProxy, procedure, input, { token, key });
  expect(retry.status, retry.text).toBe(200);
  return retry;
}

const replayed = (answer: KeyedAnswer) => answer.headers["idempotent-replayed"] ?? null;

describe("response lost after commit: the keyed retry returns the first result, one effect", () => {
  it("sessions.create: the retry names the one session created", async () => {
    const host = await t.token();
    const retry = await lostThenRetried("sessions.create", sessionInput(), host.token, randomUUID());
    expect(replayed(retry)).toBe("true");
    const ids = await sql<{ id: string }>(t.tdb.directUrl, "SELECT id::text FROM sessions WHERE host_id = $1", [
      host.userId,
    ]);
    expect(ids.map((r) => r.id)).toEqual([retry.data?.id]);
  });

  it("sessions.create without a key: the retry is a second session (the duplicate keys prevent)", async () => {
    const host = await t.token();
    const retry = await lostThenRetried("sessions.create", sessionInput(), host.token);
    expect(replayed(retry)).toBeNull();
    expect(await one("SELECT count(*)::int FROM sessions WHERE host_id = $1", [host.userId])).toBe(2);
  });

  it("sessions.update: the first update's row (its updatedAt), one promotion", async () => {
    const host = await t.token();
    const session = await direct("sessions.create", sessionInput({ capacity: 1 }), host.token);
    const [seated, waiting] = [await t.token(), await t.token()];
    await direct("bookings.create", { sessionId: session.id }, seated.token);
    const waitlisted = await direct("bookings.create", { sessionId: session.id }, waiting.token);
    expect(waitlisted.status).toBe("waitlisted");

    const retry = await lostThenRetried(
      "sessions.update",
      { id: session.id, title: "Renamed", capacity: 2 },
      host.token,
      randomUUID(),
    );
    expect(replayed(retry)).toBe("true");
    expect(retry.data).toMatchObject({ id: session.id, title: "Renamed", confirmedCount: 2, waitlistCount: 0 });
    const updatedAt = await one<Date>("SELECT updated_at FROM sessions WHERE id = $1", [session.id]);
    expect(retry.data?.updatedAt).toEqual(updatedAt);
    expect(await tasksAbout("booking.promoted", "booking", String(waitlisted.id))).toBe(1);
  });

  it("sessions.cancel: the cancelled session, its bookings cancelled once", async () => {
    const host = await t.token();
    const session = await direct("sessions.create", sessionInput({ capacity: 3 }), host.token);
    for (const guest of [await t.token(), await t.token()]) {
      await direct("bookings.create", { sessionId: session.id }, guest.token);
    }
    const retry = await lostThenRetried("sessions.cancel", { id: session.id }, host.token, randomUUID());
    expect(replayed(retry)).toBe("true");
    expect(retry.data).toMatchObject({ id: session.id, status: "cancelled", confirmedCount: 0 });
    expect(await tasksAbout("session.cancelled", "session", String(session.id))).toBe(1);
    expect(
      await one("SELECT count(*)::int FROM bookings WHERE session_id = $1 AND status = 'cancelled'", [session.id]),
    ).toBe(2);
  });

  it("bookings.create: the one booking made, one seat taken", async () => {
    const host = await t.token();
    const session = await direct("sessions.create", sessionInput({ capacity: 2 }), host.token);
    const guest = await t.token();
    const retry = await lostThenRetried("bookings.create", { sessionId: session.id }, guest.token, randomUUID());
    expect(replayed(retry)).toBe("true");
    const ids = await sql<{ id: string }>(t.tdb.directUrl, "SELECT id::text FROM bookings WHERE user_id = $1", [
      guest.userId,
    ]);
    expect(ids.map((r) => r.id)).toEqual([retry.data?.id]);
    expect(await one("SELECT confirmed_count FROM sessions WHERE id = $1", [session.id])).toBe(1);
    expect(await tasksAbout("booking.confirmed", "booking", String(retry.data?.id))).toBe(1);
  });

  it("bookings.cancel: the cancelled booking, the waitlist promoted once", async () => {
    const host = await t.token();
    const session = await direct("sessions.create", sessionInput({ capacity: 1 }), host.token);
    const [guest, waiting] = [await t.token(), await t.token()];
    const booking = await direct("bookings.create", { sessionId: session.id }, guest.token);
    const waitlisted = await direct("bookings.create", { sessionId: session.id }, waiting.token);
    const retry = await lostThenRetried("bookings.cancel", { id: booking.id }, guest.token, randomUUID());
    expect(replayed(retry)).toBe("true");
    expect(retry.data).toMatchObject({ id: booking.id, status: "cancelled" });
    expect(await tasksAbout("booking.cancelled", "booking", String(booking.id))).toBe(1);
    expect(await tasksAbout("booking.promoted", "booking", String(waitlisted.id))).toBe(1);
    expect(await one("SELECT confirmed_count FROM sessions WHERE id = $1", [session.id])).toBe(1);
  });
});

describe("the header contract over HTTP", () => {
  it("a replay carries Idempotent-Replayed: true, the first answer does not; same status and body", async () => {
    const host = await t.token();
    const input = sessionInput();
    const first = await mutate(t.baseUrl, "sessions.create", input, { token: host.token, key: "h-1" });
    const again = await mutate(t.baseUrl, "sessions.create", input, { token: host.token, key: "h-1" });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect([replayed(first), replayed(again)]).toEqual([null, "true"]);
    expect(again.data).toEqual(first.data);
  });

  it("another input under the key: 422 UNPROCESSABLE_CONTENT", async () => {
    const host = await t.token();
    await mutate(t.baseUrl, "sessions.create", sessionInput({ title: "A" }), { token: host.token, key: "h-2" });
    const other = await mutate(t.baseUrl, "sessions.create", sessionInput({ title: "B" }), {
      token: host.token,
      key: "h-2",
    });
    expect(other.status).toBe(422);
    expect(other.error?.data.code).toBe("UNPROCESSABLE_CONTENT");
  });

  it("a key in flight: 409 CONFLICT with Retry-After: 1 and retryAfterSeconds 1", async () => {
    const host = await t.token();
    const input = sessionInput();
    await sql(
      t.tdb.directUrl,
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, path, claim_id, status, claimed_at, expires_at)
       VALUES ($1, 'h-3', $2, 'sessions.create', gen_random_uuid(), 'running', now(), now() + interval '1 day')`,
      [host.userId, requestFingerprint("sessions.create", input)],
    );
    const busy = await mutate(t.baseUrl, "sessions.create", input, { token: host.token, key: "h-3" });
    expect(busy.status).toBe(409);
    expect(busy.headers["retry-after"]).toBe("1");
    expect(busy.error?.data).toMatchObject({ code: "CONFLICT", retryAfterSeconds: 1 });
  });

  it("a keyed batch of two calls is 400 and runs neither; a malformed key is 400; a query ignores the header", async () => {
    const host = await t.token();
    const headers = { authorization: `Bearer ${host.token}`, "content-type": "application/json" };
    const input = { json: sessionInput() };
    const batch = await fetch(`${t.baseUrl}/api/trpc/sessions.create,sessions.create?batch=1`, {
      method: "POST",
      headers: { ...headers, "idempotency-key": "h-4" },
      body: JSON.stringify({ 0: input, 1: input }),
    });
    expect(batch.status).toBe(400);
    expect(await batch.text()).toContain("send keyed mutations unbatched");
    expect(await one("SELECT count(*)::int FROM sessions WHERE host_id = $1", [host.userId])).toBe(0);

    // One call in the batch format (what a batching client sends alone) is one operation: fine.
    const single = () =>
      fetch(`${t.baseUrl}/api/trpc/sessions.create?batch=1`, {
        method: "POST",
        headers: { ...headers, "idempotency-key": "h-5" },
        body: JSON.stringify({ 0: input }),
      });
    const [once, twice] = [await single(), await single()];
    expect([once.status, twice.status]).toEqual([200, 200]);
    expect(twice.headers.get("idempotent-replayed")).toBe("true");
    expect(await twice.json()).toEqual(await once.json());
    expect(await one("SELECT count(*)::int FROM sessions WHERE host_id = $1", [host.userId])).toBe(1);

    const malformed = await mutate(t.baseUrl, "sessions.create", sessionInput(), { token: host.token, key: "a b" });
    expect(malformed.status).toBe(400);
    expect(malformed.error?.message).toMatch(/Idempotency-Key/);

    const query = await fetch(`${t.baseUrl}/api/trpc/bookings.mine?input=${encodeURIComponent('{"json":{}}')}`, {
      headers: { authorization: headers.authorization, "idempotency-key": "a b" },
    });
    expect(query.status).toBe(200);
  });
});
