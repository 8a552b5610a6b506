import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { drainDueTasks, enqueueTasks, runTasksNow } from "../../src/index.js";
import { type Outbox, startOutbox, WEBHOOK_SECRET } from "./outbox.js";

// A task queued with a change is POSTed once after the response, signed, as stored.

let outbox: Outbox;
beforeAll(async () => {
  outbox = await startOutbox("tasks_delivery");
});
afterAll(() => outbox?.close());
beforeEach(() => outbox.reset());

describe("delivery after the response", () => {
  it("POSTs the stored task once, with the exact body, headers and a verifiable signature", async () => {
    const { runtime, logs, background } = outbox.harness();
    const data = { booking: { id: "b-1", seats: 1 }, note: "zürich ✓" };
    await outbox.db.ready();
    const [id] = await outbox.db.transaction((tx) => enqueueTasks(tx, [{ type: "booking.confirmed", data }]));
    if (!id) throw new Error("no id");
    // As a procedure does: hand the run to waitUntil, answer, the platform waits.
    runtime.waitUntil(runTasksNow(runtime, [id]));
    expect(background).toHaveLength(1);
    expect(await background[0]).toEqual({ claimed: 1, delivered: 1, retried: 0, failed: 0, skipped: 0 });

    expect(outbox.receiver.requests).toHaveLength(1);
    const request = outbox.receiver.requests[0];
    if (!request) throw new Error("no request");
    const row = await outbox.taskRow(id);
    // The payload exactly as stored (jsonb orders keys its own way), serialised once.
    const expectedBody = JSON.stringify({
      id,
      type: "booking.confirmed",
      createdAt: row.createdAt.toISOString(),
      data: row.payload,
    });
    expect(JSON.parse(request.body).data).toEqual(data);
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/hooks/s3ssions?source=test");
    expect(request.body).toBe(expectedBody);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["user-agent"]).toBe("s3ssions-webhooks/1");
    expect(request.headers["x-s3ssions-event"]).toBe("booking.confirmed");
    expect(request.headers["x-s3ssions-delivery"]).toBe(id);
    expect(request.headers["idempotency-key"]).toBe(id);
    expect(request.headers["x-s3ssions-attempt"]).toBe("1");
    expect(request.headers.authorization).toBeUndefined();
    // Verified as a receiver would, with the Standard Webhooks reference library.
    const headers = {
      "webhook-id": String(request.headers["webhook-id"]),
      "webhook-timestamp": String(request.headers["webhook-timestamp"]),
      "webhook-signature": String(request.headers["webhook-signature"]),
    };
    expect(headers["webhook-id"]).toBe(id);
    expect(new Webhook(WEBHOOK_SECRET).verify(request.body, headers)).toEqual(JSON.parse(request.body));
    const other = `whsec_${Buffer.from("another-signing-key-0123456789ab").toString("base64")}`;
    expect(() => new Webhook(other).verify(request.body, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(WEBHOOK_SECRET).verify(`${request.body} `, headers)).toThrow(WebhookVerificationError);
    // A replay: the same delivery, sent again ten minutes later, fails verification.
    vi.useFakeTimers({ now: Date.now() + 10 * 60_000, toFake: ["Date"] });
    try {
      expect(() => new Webhook(WEBHOOK_SECRET).verify(request.body, headers)).toThrow(/too old/i);
    } finally {
      vi.useRealTimers();
    }

    expect(row.status).toBe("done");
    expect(row.attempts).toBe(1);
    expect(row.completedAt).toBeInstanceOf(Date);
    expect(row.lockedUntil).toBeNull();
    expect(row.lastError).toBeNull();

    const attempts = logs.filter((line) => line.message === "task delivery");
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.level).toBe("info");
    expect(attempts[0]?.fields).toMatchObject({
      taskId: id,
      type: "booking.confirmed",
      attempt: 1,
      outcome: "delivered",
      httpStatus: 204,
      durationMs: expect.any(Number),
    });
    expect(JSON.stringify(logs)).not.toContain(WEBHOOK_SECRET);

    // Done is done: running it again neither claims nor sends anything.
    expect(await runTasksNow(runtime, [id])).toMatchObject({ claimed: 0, delivered: 0 });
    expect(outbox.receiver.requests).toHaveLength(1);
  });

  it("runTasksNow claims only the ids it is given", async () => {
    const { runtime } = outbox.harness();
    const [mine, other] = await outbox.enqueue(2);
    if (!mine || !other) throw new Error("no ids");
    expect(await runTasksNow(runtime, [mine])).toMatchObject({ claimed: 1, delivered: 1 });
    expect(outbox.receiver.requests.map((r) => r.taskId)).toEqual([mine]);
    expect((await outbox.taskRow(other)).status).toBe("pending");
  });

  it("completes tasks as no-ops without WEBHOOK_URL, logging that once at debug", async () => {
    const { runtime, logs } = outbox.harness({ WEBHOOK_URL: undefined, WEBHOOK_SECRET: undefined });
    const ids = await outbox.enqueue(3);
    expect(await runTasksNow(runtime, ids.slice(0, 2))).toMatchObject({ claimed: 2, delivered: 2 });
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, delivered: 1 });
    expect(outbox.receiver.requests).toHaveLength(0);
    for (const id of ids) expect((await outbox.taskRow(id)).status).toBe("done");
    const notes = logs.filter((line) => /WEBHOOK_URL/.test(line.message));
    expect(notes).toHaveLength(1);
    expect(notes[0]?.level).toBe("debug");
  });
});
