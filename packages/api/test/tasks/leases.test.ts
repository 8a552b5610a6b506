import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { drainDueTasks, runTasksNow, TASK_POLICY } from "../../src/index.js";
import { claimTasks, completeTask, failTask, retryTask } from "../../src/tasks/store.js";
import { deliverWebhook, webhookTarget } from "../../src/tasks/webhook.js";
import { type Outbox, startOutbox, WEBHOOK_SECRET } from "./outbox.js";

// Leases: a task whose runner died is delivered by the next one, a runner past its lease
// cannot finish over a newer claim, and concurrent drains deliver each task exactly once.

let outbox: Outbox;
beforeAll(async () => {
  outbox = await startOutbox("tasks_leases");
});
afterAll(() => outbox?.close());
beforeEach(() => outbox.reset());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("nothing is lost", () => {
  it("delivers a task whose function was killed before running it (never handed to waitUntil)", async () => {
    const { runtime } = outbox.harness();
    const ids = await outbox.enqueue(3, "booking.cancelled");
    expect(outbox.receiver.requests).toHaveLength(0);
    expect(await drainDueTasks(runtime)).toEqual({ claimed: 3, delivered: 3, retried: 0, failed: 0, skipped: 0 });
    expect(outbox.receiver.requests.map((r) => r.taskId).sort()).toEqual([...ids].sort());
  });

  it("re-claims a running task only once its runner's lease has expired", async () => {
    const { runtime } = outbox.harness();
    const [id] = await outbox.enqueue(1);
    if (!id) throw new Error("no id");
    // A runner claims it and dies mid-delivery.
    const [dead] = await claimTasks(outbox.db, { limit: 10, leaseMs: TASK_POLICY.leaseMs });
    expect(dead?.id).toBe(id);
    expect(dead?.lockedUntil.getTime()).toBeGreaterThan(Date.now() + 50_000);

    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 0 });
    expect(outbox.receiver.requests).toHaveLength(0);

    await outbox.expireLease(id);
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, delivered: 1 });
    expect(outbox.receiver.requests[0]?.headers["x-s3ssions-attempt"]).toBe("2");
    expect(await outbox.taskRow(id)).toMatchObject({ status: "done", attempts: 2 });
  });

  it("a runner whose lease expired cannot finish over a newer claim", async () => {
    const [id] = await outbox.enqueue(1);
    if (!id) throw new Error("no id");
    const [first] = await claimTasks(outbox.db, { limit: 1, leaseMs: TASK_POLICY.leaseMs });
    if (!first) throw new Error("not claimed");
    await outbox.expireLease(id);
    const [second] = await claimTasks(outbox.db, { limit: 1, leaseMs: TASK_POLICY.leaseMs });
    expect(second).toMatchObject({ id, attempts: 2 });
    if (!second) throw new Error("not claimed");

    expect(await completeTask(outbox.db, first)).toBe(false);
    expect(await retryTask(outbox.db, first, 1_000, "HTTP 500")).toBe(false);
    expect(await failTask(outbox.db, first, "HTTP 500")).toBe(false);
    expect(await outbox.taskRow(id)).toMatchObject({ status: "running", attempts: 2, lastError: null });

    expect(await completeTask(outbox.db, second)).toBe(true);
    expect(await outbox.taskRow(id)).toMatchObject({ status: "done", attempts: 2 });
  });

  it("a runner that loses its lease mid-delivery reports it and leaves the newer claim alone", async () => {
    const a = outbox.harness();
    const [id] = await outbox.enqueue(1);
    if (!id) throw new Error("no id");
    const release = outbox.receiver.hold();
    const running = drainDueTasks(a.runtime);
    for (let i = 0; i < 200 && (outbox.receiver.inFlight.get(id) ?? 0) === 0; i++) await sleep(5);
    expect(outbox.receiver.inFlight.get(id)).toBe(1);
    // Its lease runs out (fake time) and another runner claims the task.
    await outbox.expireLease(id);
    const [stolen] = await claimTasks(outbox.openDatabase(), { limit: 1, leaseMs: TASK_POLICY.leaseMs });
    expect(stolen).toMatchObject({ id, attempts: 2 });
    release();

    expect(await running).toMatchObject({ claimed: 1, delivered: 0, skipped: 1 });
    expect(a.logs.find((line) => line.message === "task lease lost")?.fields).toMatchObject({ taskId: id, attempt: 1 });
    expect(await outbox.taskRow(id)).toMatchObject({ status: "running", attempts: 2, completedAt: null });
  });

  it("stops within its time budget and leaves the rest due for the next drain", async () => {
    const { runtime } = outbox.harness();
    const ids = await outbox.enqueue(30);
    outbox.receiver.delayMs = 150;
    const started = performance.now();
    const first = await drainDueTasks(runtime, { budgetMs: 1_400, batchSize: 5 });
    expect(performance.now() - started).toBeLessThan(1_400 + 500);
    expect(first.claimed).toBeGreaterThan(0);
    expect(first.claimed).toBeLessThan(30);
    // A task claimed with too little time left is handed back unsent, its attempt uncounted.
    expect(first.delivered + first.skipped).toBe(first.claimed);
    expect(first.delivered).toBe(outbox.receiver.requests.length);
    const left = await (await outbox.db.ready()).task.findMany({ where: { status: { not: "done" } } });
    expect(left).toHaveLength(30 - first.delivered);
    expect(left.every((task) => task.status === "pending" && task.attempts === 0)).toBe(true);

    outbox.receiver.delayMs = 0;
    const second = await drainDueTasks(runtime);
    expect(first.delivered + second.delivered).toBe(30);
    expect(outbox.receiver.requests.map((r) => r.taskId).sort()).toEqual([...ids].sort());
  });
});

describe("concurrent drains", () => {
  it("control: the receiver does detect two concurrent deliveries of one task", async () => {
    outbox.receiver.delayMs = 50;
    const target = webhookTarget(outbox.receiver.url, WEBHOOK_SECRET);
    const event = {
      id: "00000000-0000-4000-8000-000000000001",
      type: "booking.confirmed",
      createdAt: new Date(),
      data: {},
    };
    await Promise.all([deliverWebhook(target, event, 1, 5_000), deliverWebhook(target, event, 1, 5_000)]);
    expect(outbox.receiver.overlaps).toEqual([event.id]);
  });

  it.each([2, 4])(
    "%i drains on separate pools through the pooler deliver 50 tasks exactly once, never concurrently",
    async (instances) => {
      const ids = await outbox.enqueue(50, "booking.promoted");
      outbox.receiver.delayMs = 20;
      const runners = Array.from({ length: instances }, () => outbox.harness({}, outbox.openDatabase()));
      // Every instance drains at once; two more race the drains with request-style runs.
      const results = await Promise.all([
        ...runners.map(({ runtime }) => drainDueTasks(runtime, { batchSize: 5 })),
        runTasksNow(runners[0]!.runtime, ids),
        runTasksNow(runners[1]!.runtime, [...ids].reverse()),
      ]);

      expect(outbox.receiver.overlaps).toEqual([]);
      const perId = new Map<string, number>();
      for (const request of outbox.receiver.requests) perId.set(request.taskId, (perId.get(request.taskId) ?? 0) + 1);
      expect([...perId.keys()].sort()).toEqual([...ids].sort());
      expect([...perId.values()].every((count) => count === 1)).toBe(true);

      const total = results.reduce(
        (sum, counts) => ({ claimed: sum.claimed + counts.claimed, delivered: sum.delivered + counts.delivered }),
        { claimed: 0, delivered: 0 },
      );
      expect(total).toEqual({ claimed: 50, delivered: 50 });
      // The runs really overlapped: several deliveries in flight, and work spread over runners.
      expect(outbox.receiver.peakInFlight).toBeGreaterThan(1);
      expect(results.filter((counts) => counts.delivered > 0).length).toBeGreaterThan(1);

      const rows = await (await outbox.db.ready()).task.groupBy({ by: ["status", "attempts"], _count: true });
      expect(rows).toEqual([{ status: "done", attempts: 1, _count: 50 }]);
    },
  );
});
