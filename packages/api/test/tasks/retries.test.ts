import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { drainDueTasks, runTasksNow, TASK_POLICY } from "../../src/index.js";
import { retryDelayMs } from "../../src/tasks/policy.js";
import { type Outbox, startOutbox, WEBHOOK_SECRET } from "./outbox.js";

// A failed delivery is retried later with backoff, up to the attempt cap, without leaking credentials.

let outbox: Outbox;
beforeAll(async () => {
  outbox = await startOutbox("tasks_retries");
});
afterAll(() => outbox?.close());
beforeEach(() => outbox.reset());

/** Seconds from the database's now() to the task's run_after. */
async function secondsUntilDue(id: string): Promise<number> {
  const rows = await (await outbox.db.ready()).$queryRaw<{ s: number }[]>`
    SELECT extract(epoch FROM run_after - clock_timestamp())::float8 AS s FROM tasks WHERE id = ${id}::uuid`;
  return rows[0]?.s ?? Number.NaN;
}

/** Fake time: the retry is due now. */
async function makeDue(id: string): Promise<void> {
  await (await outbox.db.ready())
    .$executeRaw`UPDATE tasks SET run_after = now() - interval '1 second' WHERE id = ${id}::uuid`;
}

describe("retries", () => {
  it("retries a failed delivery later with backoff, then delivers the same bytes under the same id", async () => {
    const { runtime, logs } = outbox.harness();
    const [id] = await outbox.enqueue(1, "booking.waitlisted");
    if (!id) throw new Error("no id");
    outbox.receiver.failNext(1, 503);

    expect(await runTasksNow(runtime, [id])).toMatchObject({ claimed: 1, retried: 1, delivered: 0 });
    let row = await outbox.taskRow(id);
    expect(row.status).toBe("pending");
    expect(row.attempts).toBe(1);
    expect(row.lastError).toBe("HTTP 503");
    expect(row.lockedUntil).toBeNull();
    // First retry: 10 s base, equal jitter → due in 5–10 s.
    const wait = await secondsUntilDue(id);
    expect(wait).toBeGreaterThan(4);
    expect(wait).toBeLessThanOrEqual(10);
    const retryLog = logs.find((line) => line.fields?.outcome === "retry");
    expect(retryLog?.level).toBe("warn");
    expect(retryLog?.fields).toMatchObject({ taskId: id, attempt: 1, httpStatus: 503, error: "HTTP 503" });

    // Not due yet: a drain leaves it alone.
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 0 });
    expect(outbox.receiver.requests).toHaveLength(1);

    await makeDue(id);
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, delivered: 1 });
    const [first, second] = outbox.receiver.requests;
    expect(outbox.receiver.requests).toHaveLength(2);
    expect(second?.headers["x-s3ssions-attempt"]).toBe("2");
    expect(second?.headers["idempotency-key"]).toBe(id);
    expect(second?.body).toBe(first?.body);
    // The same webhook-id on every retry: receivers deduplicate on it.
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    row = await outbox.taskRow(id);
    expect(row.status).toBe("done");
    expect(row.attempts).toBe(2);
    expect(row.lastError).toBeNull();
  });

  it("backs off exponentially with jitter, capped at an hour", () => {
    expect(retryDelayMs(1, () => 0)).toBe(5_000);
    expect(retryDelayMs(1, () => 0.999999)).toBe(10_000);
    expect(retryDelayMs(2, () => 0)).toBe(10_000);
    expect(retryDelayMs(4, () => 0.5)).toBe(60_000);
    for (const attempt of [10, 12, 50]) {
      expect(retryDelayMs(attempt, () => 0.999999)).toBeLessThanOrEqual(TASK_POLICY.backoffCapMs);
      expect(retryDelayMs(attempt, () => 0)).toBe(TASK_POLICY.backoffCapMs / 2);
    }
    const samples = new Set(Array.from({ length: 20 }, () => retryDelayMs(3)));
    expect(samples.size).toBeGreaterThan(1);
    for (const delay of samples) expect(delay).toBeGreaterThanOrEqual(20_000);
  });

  it("marks a task failed after the attempt cap and never claims it again", async () => {
    const { runtime, logs } = outbox.harness();
    const [id] = await outbox.enqueue(1, "session.cancelled");
    if (!id) throw new Error("no id");
    await (await outbox.db.ready())
      .$executeRaw`UPDATE tasks SET attempts = ${TASK_POLICY.maxAttempts - 1} WHERE id = ${id}::uuid`;
    outbox.receiver.failNext(1, 500);

    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, failed: 1, retried: 0 });
    const row = await outbox.taskRow(id);
    expect(row.status).toBe("failed");
    expect(row.attempts).toBe(TASK_POLICY.maxAttempts);
    expect(row.lastError).toBe("HTTP 500");
    expect(outbox.receiver.requests[0]?.headers["x-s3ssions-attempt"]).toBe(String(TASK_POLICY.maxAttempts));
    expect(logs.find((line) => line.fields?.outcome === "failed")?.level).toBe("error");

    await (await outbox.db.ready())
      .$executeRaw`UPDATE tasks SET run_after = now() - interval '1 day' WHERE id = ${id}::uuid`;
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 0 });
    expect(outbox.receiver.requests).toHaveLength(1);
  });

  it("retries 4xx, 3xx (redirects are not followed) and timeouts like other failures", async () => {
    const { runtime } = outbox.harness();
    const [a, b, c] = await outbox.enqueue(3);
    if (!a || !b || !c) throw new Error("no ids");

    outbox.receiver.failNext(1, 400);
    expect(await runTasksNow(runtime, [a])).toMatchObject({ retried: 1 });
    expect((await outbox.taskRow(a)).lastError).toBe("HTTP 400");

    outbox.receiver.failNext(1, 302, { location: `http://127.0.0.1:${outbox.receiver.port}/elsewhere` });
    expect(await runTasksNow(runtime, [b])).toMatchObject({ retried: 1 });
    expect((await outbox.taskRow(b)).lastError).toBe("HTTP 302");
    expect(outbox.receiver.requests.filter((r) => r.path === "/elsewhere")).toHaveLength(0);

    outbox.receiver.delayMs = 1_000;
    expect(await runTasksNow(runtime, [c], { deliveryTimeoutMs: 200 })).toMatchObject({ retried: 1 });
    const row = await outbox.taskRow(c);
    expect(row.status).toBe("pending");
    expect(row.lastError).toBe("timeout");
  });

  it("keeps credentials out of last_error and logs; URL credentials become Basic auth", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const down = outbox.harness({ WEBHOOK_URL: `http://hook-user:s3cr3t-pw@127.0.0.1:${closedPort}/hook` });
    const [a, b] = await outbox.enqueue(2);
    if (!a || !b) throw new Error("no ids");
    expect(await runTasksNow(down.runtime, [a])).toMatchObject({ retried: 1 });
    const lastError = (await outbox.taskRow(a)).lastError ?? "";
    expect(lastError).toBe("network error (ECONNREFUSED)");
    const everything = JSON.stringify(down.logs) + lastError;
    expect(everything).not.toContain("s3cr3t-pw");
    expect(everything).not.toContain(WEBHOOK_SECRET);
    expect(everything).not.toContain(String(closedPort));

    const up = outbox.harness({ WEBHOOK_URL: `http://hook-user:s3cr3t-pw@127.0.0.1:${outbox.receiver.port}/hook` });
    expect(await runTasksNow(up.runtime, [b])).toMatchObject({ delivered: 1 });
    expect(outbox.receiver.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("hook-user:s3cr3t-pw").toString("base64")}`,
    );
    expect(JSON.stringify(up.logs)).not.toContain("s3cr3t-pw");
  });

  it("fails a task of an unknown kind without sending it", async () => {
    const { runtime } = outbox.harness();
    const id = await (await outbox.db.ready()).$transaction(
      async (tx) => (await tx.task.create({ data: { kind: "mystery.kind", payload: {} } })).id,
    );
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, failed: 1 });
    expect(outbox.receiver.requests).toHaveLength(0);
    expect(await outbox.taskRow(id)).toMatchObject({ status: "failed", lastError: "unknown task kind" });
  });
});
