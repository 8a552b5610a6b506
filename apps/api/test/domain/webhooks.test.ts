import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { type Receiver, spawnApi, sql, startReceiver } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainApi, JWT_SECRET, sessionInput, startDomainApi } from "../support.js";

const WEBHOOK_SECRET = `whsec_${Buffer.from("domain-test-signing-key-01234567").toString("base64")}`;
const CRON_SECRET = "cron-domain-0123456789abcdef";

let receiver: Receiver;
let ctx: DomainApi;

beforeAll(async () => {
  receiver = await startReceiver();
  ctx = await startDomainApi("hooks", { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET, CRON_SECRET });
});
afterAll(async () => {
  await ctx?.close();
  await receiver?.close();
});

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Event {
  id: string;
  type: string;
  createdAt: string;
  data: { booking?: { id: string; status: string; userId: string }; session?: { id: string; status?: string } };
}

function events(sessionId: string): Event[] {
  return receiver.requests.map((r) => JSON.parse(r.body) as Event).filter((e) => e.data.session?.id === sessionId);
}

function cron(baseUrl: string, secret = CRON_SECRET) {
  return fetch(`${baseUrl}/api/cron/tasks`, { headers: { authorization: `Bearer ${secret}` } });
}

describe("booking changes reach the webhook, signed", () => {
  it("confirmed, waitlisted, cancelled + promoted, session.cancelled: each once, in order, signed", async () => {
    const host = await ctx.as();
    const a = await ctx.as();
    const b = await ctx.as();
    const session = await host.api.sessions.create.mutate(sessionInput({ capacity: 1 }));
    const first = await a.api.bookings.create.mutate({ sessionId: session.id });
    await waitFor(() => (events(session.id).length === 1 ? true : undefined));
    const second = await b.api.bookings.create.mutate({ sessionId: session.id });
    await waitFor(() => (events(session.id).length === 2 ? true : undefined));
    await a.api.bookings.cancel.mutate({ id: first.id });
    await waitFor(() => (events(session.id).length === 4 ? true : undefined));
    await host.api.sessions.cancel.mutate({ id: session.id });
    await waitFor(() => (events(session.id).length === 6 ? true : undefined));

    const seen = events(session.id).map((e) => [e.type, e.data.booking?.id ?? null]);
    expect(seen.slice(0, 2)).toEqual([
      ["booking.confirmed", first.id],
      ["booking.waitlisted", second.id],
    ]);
    expect(seen.slice(2, 4)).toEqual(
      expect.arrayContaining([
        ["booking.cancelled", first.id],
        ["booking.promoted", second.id],
      ]),
    );
    expect(seen.slice(4)).toEqual(
      expect.arrayContaining([
        ["session.cancelled", null],
        ["booking.cancelled", second.id],
      ]),
    );

    const requests = receiver.requests.filter((r) => events(session.id).some((e) => r.body.includes(e.id)));
    for (const request of requests) {
      const event = JSON.parse(request.body) as Event;
      expect(request.method).toBe("POST");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["x-s3ssions-event"]).toBe(event.type);
      expect(request.headers["idempotency-key"]).toBe(event.id);
      // Verified as a receiver would, with the Standard Webhooks reference library.
      const headers = {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      };
      expect(headers["webhook-id"]).toBe(event.id);
      expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(new Webhook(WEBHOOK_SECRET).verify(request.body, headers)).toEqual(event);
      const other = `whsec_${Buffer.from("another-signing-key-0123456789ab").toString("base64")}`;
      expect(() => new Webhook(other).verify(request.body, headers)).toThrow(WebhookVerificationError);
      // Replayed later (the timestamp is signed), the same delivery fails verification.
      const replayed = { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) - 600) };
      expect(() => new Webhook(WEBHOOK_SECRET).verify(request.body, replayed)).toThrow(WebhookVerificationError);
      expect(Object.keys(event).sort()).toEqual(["createdAt", "data", "id", "type"]);
    }
    const promoted = events(session.id).find((e) => e.type === "booking.promoted");
    expect(promoted?.data.booking).toMatchObject({ id: second.id, status: "confirmed", userId: b.userId });
  });

  it("a receiver failure is retried: the cron drain delivers it again, same id, next attempt", async () => {
    const host = await ctx.as();
    const user = await ctx.as();
    const session = await host.api.sessions.create.mutate(sessionInput());
    receiver.failNext(1, 503);
    const booking = await user.api.bookings.create.mutate({ sessionId: session.id });
    const task = await waitFor(() => events(session.id)[0]);
    const row = await waitFor(async () => {
      const [current] = await sql<{ status: string; attempts: number; last_error: string }>(
        ctx.tdb.directUrl,
        "SELECT status::text, attempts, last_error FROM tasks WHERE id = $1",
        [task.id],
      );
      return current?.status === "running" ? undefined : current;
    });
    expect(row).toMatchObject({ status: "pending", attempts: 1, last_error: "HTTP 503" });

    // Time passes: the retry is due.
    await sql(ctx.tdb.directUrl, "UPDATE tasks SET run_after = now() WHERE id = $1", [task.id]);
    const drained = await cron(ctx.api.baseUrl);
    expect(drained.status).toBe(200);
    expect(await drained.json()).toMatchObject({ delivered: 1 });
    const deliveries = receiver.requests.filter((r) => r.headers["idempotency-key"] === task.id);
    expect(deliveries.map((r) => r.headers["x-s3ssions-attempt"])).toEqual(["1", "2"]);
    expect(JSON.parse(deliveries[1]!.body).data.booking.id).toBe(booking.id);
  });

  it("a process killed mid-delivery loses nothing: a later instance's cron drain delivers it", async () => {
    const instance = await spawnApi({
      env: {
        SUPABASE_DB_URL_TRANSACTION: ctx.tdb.pooledUrl(),
        SUPABASE_JWT_SECRET: JWT_SECRET,
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET,
        CRON_SECRET,
      },
    });
    const { signHs256 } = await import("@s3ssions/testing");
    const { apiClient } = await import("../api-client.js");
    const host = await ctx.as();
    const session = await host.api.sessions.create.mutate(sessionInput());
    const user = apiClient(instance.baseUrl, await signHs256(JWT_SECRET));
    receiver.delayMs = 30_000; // the receiver hangs: the delivery is in flight when we kill
    const booking = await user.bookings.create.mutate({ sessionId: session.id });
    await waitFor(() => ([...receiver.inFlight.values()].some((n) => n > 0) ? true : undefined));
    await instance.stop("SIGKILL");
    receiver.delayMs = 0;

    const [row] = await sql<{ id: string; status: string }>(
      ctx.tdb.directUrl,
      "SELECT id, status::text FROM tasks WHERE payload->'booking'->>'id' = $1",
      [booking.id],
    );
    expect(row?.status).toBe("running");
    // The dead runner's lease runs out.
    await sql(ctx.tdb.directUrl, "UPDATE tasks SET locked_until = now() - interval '1 second' WHERE id = $1", [
      row!.id,
    ]);

    expect((await cron(ctx.api.baseUrl, "wrong-secret-0123456789")).status).toBe(401);
    const drained = await cron(ctx.api.baseUrl);
    expect(await drained.json()).toMatchObject({ delivered: 1 });
    const [after] = await sql<{ status: string }>(ctx.tdb.directUrl, "SELECT status::text FROM tasks WHERE id = $1", [
      row!.id,
    ]);
    expect(after?.status).toBe("done");
    const completed = receiver.requests.filter((r) => r.headers["idempotency-key"] === row!.id);
    expect(completed.length).toBe(2); // the one the killed process started, and the redelivery
  });
});
