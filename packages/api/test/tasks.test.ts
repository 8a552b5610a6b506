import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createDatabase, type Database, type Prisma } from "@s3ssions/db";
import {
  createTestDatabase,
  ensurePgBouncer,
  type Receiver,
  sql,
  startReceiver,
  type TestDatabase,
} from "@s3ssions/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type ApiRuntime,
  createApiRuntime,
  drainDueTasks,
  enqueueTasks,
  handleCronTasksRequest,
  type LogLevel,
  parseEnv,
  runTasksNow,
  TASK_POLICY,
  type TaskType,
} from "../src/index.js";
import { retryDelayMs } from "../src/tasks/policy.js";
import { claimTasks, completeTask, failTask, retryTask } from "../src/tasks/store.js";
import { deliverWebhook, webhookTarget } from "../src/tasks/webhook.js";

const WEBHOOK_SECRET = `whsec_${Buffer.from("tasks-test-signing-key-0123456789").toString("base64")}`;
const CRON_SECRET = "cron-secret-0123456789abcdef";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let tdb: TestDatabase;
let db: Database;
let receiver: Receiver;
const opened: Database[] = [];

interface LogLine {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown> | undefined;
}

interface Harness {
  runtime: ApiRuntime;
  logs: LogLine[];
  /** What the runtime handed to waitUntil. */
  background: Promise<unknown>[];
}

function harness(overrides: Record<string, string | undefined> = {}, database: Database = db): Harness {
  const logs: LogLine[] = [];
  const background: Promise<unknown>[] = [];
  const env = parseEnv({
    APP_ENV: "test",
    SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET,
    CRON_SECRET,
    ...overrides,
  });
  const runtime = createApiRuntime({
    env,
    db: database,
    logger: { log: (level, message, fields) => logs.push({ level, message, fields }) },
    waitUntil: (promise) => background.push(promise),
  });
  return { runtime, logs, background };
}

function openDatabase(): Database {
  const handle = createDatabase({ url: tdb.pooledUrl({ pgbouncer: true, connection_limit: 1 }) });
  opened.push(handle);
  return handle;
}

async function enqueue(count = 1, type: TaskType = "booking.confirmed", data: Prisma.InputJsonObject = {}) {
  const events = Array.from({ length: count }, (_, n) => ({ type, data: { ...data, n } }));
  return (await db.ready()).$transaction((tx) => enqueueTasks(tx, events));
}

async function taskRow(id: string) {
  return (await db.ready()).task.findUniqueOrThrow({ where: { id } });
}

/** Seconds from the database's now() to the task's run_after. */
async function secondsUntilDue(id: string): Promise<number> {
  const rows = await (await db.ready()).$queryRaw<{ s: number }[]>`
    SELECT extract(epoch FROM run_after - clock_timestamp())::float8 AS s FROM tasks WHERE id = ${id}::uuid`;
  return rows[0]?.s ?? Number.NaN;
}

/** Fake time: the retry is due now. */
async function makeDue(id: string): Promise<void> {
  await (await db.ready()).$executeRaw`UPDATE tasks SET run_after = now() - interval '1 second' WHERE id = ${id}::uuid`;
}


function cronRequest(method = "GET", authorization?: string): Request {
  const headers = new Headers();
  if (authorization !== undefined) headers.set("authorization", authorization);
  return new Request("http://localhost/api/cron/tasks", { method, headers });
}

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("tasks");
  db = openDatabase();
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await Promise.all(opened.map((handle) => handle.close()));
  await tdb?.drop();
});

beforeEach(async () => {
  receiver.reset();
  await (await db.ready()).$executeRaw`DELETE FROM tasks`;
});

// ---------------------------------------------------------------------------------------

describe("delivery after the response", () => {
  it("POSTs the stored task once, with the exact body, headers and a verifiable signature", async () => {
    const { runtime, logs, background } = harness();
    const data = { booking: { id: "b-1", seats: 1 }, note: "zürich ✓" };
    const [id] = await (await db.ready()).$transaction((tx) => enqueueTasks(tx, [{ type: "booking.confirmed", data }]));
    if (!id) throw new Error("no id");
    // As a procedure does: hand the run to waitUntil, answer, the platform waits.
    runtime.waitUntil(runTasksNow(runtime, [id]));
    expect(background).toHaveLength(1);
    expect(await background[0]).toEqual({ claimed: 1, delivered: 1, retried: 0, failed: 0, skipped: 0 });

    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0];
    if (!request) throw new Error("no request");
    const row = await taskRow(id);
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
    expect(receiver.requests).toHaveLength(1);
  });

  it("runTasksNow claims only the ids it is given", async () => {
    const { runtime } = harness();
    const [mine, other] = await enqueue(2);
    if (!mine || !other) throw new Error("no ids");
    expect(await runTasksNow(runtime, [mine])).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receiver.requests.map((r) => r.taskId)).toEqual([mine]);
    expect((await taskRow(other)).status).toBe("pending");
  });

  it("completes tasks as no-ops without WEBHOOK_URL, logging that once at debug", async () => {
    const { runtime, logs } = harness({ WEBHOOK_URL: undefined, WEBHOOK_SECRET: undefined });
    const ids = await enqueue(3);
    expect(await runTasksNow(runtime, ids.slice(0, 2))).toMatchObject({ claimed: 2, delivered: 2 });
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receiver.requests).toHaveLength(0);
    for (const id of ids) expect((await taskRow(id)).status).toBe("done");
    const notes = logs.filter((line) => /WEBHOOK_URL/.test(line.message));
    expect(notes).toHaveLength(1);
    expect(notes[0]?.level).toBe("debug");
  });
});

describe("retries", () => {
  it("retries a failed delivery later with backoff, then delivers the same bytes under the same id", async () => {
    const { runtime, logs } = harness();
    const [id] = await enqueue(1, "booking.waitlisted");
    if (!id) throw new Error("no id");
    receiver.failNext(1, 503);

    expect(await runTasksNow(runtime, [id])).toMatchObject({ claimed: 1, retried: 1, delivered: 0 });
    let row = await taskRow(id);
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
    expect(receiver.requests).toHaveLength(1);

    await makeDue(id);
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, delivered: 1 });
    const [first, second] = receiver.requests;
    expect(receiver.requests).toHaveLength(2);
    expect(second?.headers["x-s3ssions-attempt"]).toBe("2");
    expect(second?.headers["idempotency-key"]).toBe(id);
    expect(second?.body).toBe(first?.body);
    // The same webhook-id on every retry: receivers deduplicate on it.
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    row = await taskRow(id);
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
    const { runtime, logs } = harness();
    const [id] = await enqueue(1, "session.cancelled");
    if (!id) throw new Error("no id");
    await (await db.ready()).$executeRaw`UPDATE tasks SET attempts = ${TASK_POLICY.maxAttempts - 1} WHERE id = ${id}::uuid`;
    receiver.failNext(1, 500);

    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, failed: 1, retried: 0 });
    const row = await taskRow(id);
    expect(row.status).toBe("failed");
    expect(row.attempts).toBe(TASK_POLICY.maxAttempts);
    expect(row.lastError).toBe("HTTP 500");
    expect(receiver.requests[0]?.headers["x-s3ssions-attempt"]).toBe(String(TASK_POLICY.maxAttempts));
    expect(logs.find((line) => line.fields?.outcome === "failed")?.level).toBe("error");

    await (await db.ready()).$executeRaw`UPDATE tasks SET run_after = now() - interval '1 day' WHERE id = ${id}::uuid`;
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 0 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("retries 4xx, 3xx (redirects are not followed) and timeouts like other failures", async () => {
    const { runtime } = harness();
    const [a, b, c] = await enqueue(3);
    if (!a || !b || !c) throw new Error("no ids");

    receiver.failNext(1, 400);
    expect(await runTasksNow(runtime, [a])).toMatchObject({ retried: 1 });
    expect((await taskRow(a)).lastError).toBe("HTTP 400");

    receiver.failNext(1, 302, { location: `http://127.0.0.1:${receiver.port}/elsewhere` });
    expect(await runTasksNow(runtime, [b])).toMatchObject({ retried: 1 });
    expect((await taskRow(b)).lastError).toBe("HTTP 302");
    expect(receiver.requests.filter((r) => r.path === "/elsewhere")).toHaveLength(0);

    receiver.delayMs = 1_000;
    expect(await runTasksNow(runtime, [c], { deliveryTimeoutMs: 200 })).toMatchObject({ retried: 1 });
    const row = await taskRow(c);
    expect(row.status).toBe("pending");
    expect(row.lastError).toBe("timeout");
  });

  it("keeps credentials out of last_error and logs; URL credentials become Basic auth", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const down = harness({ WEBHOOK_URL: `http://hook-user:s3cr3t-pw@127.0.0.1:${closedPort}/hook` });
    const [a, b] = await enqueue(2);
    if (!a || !b) throw new Error("no ids");
    expect(await runTasksNow(down.runtime, [a])).toMatchObject({ retried: 1 });
    const lastError = (await taskRow(a)).lastError ?? "";
    expect(lastError).toBe("network error (ECONNREFUSED)");
    const everything = JSON.stringify(down.logs) + lastError;
    expect(everything).not.toContain("s3cr3t-pw");
    expect(everything).not.toContain(WEBHOOK_SECRET);
    expect(everything).not.toContain(String(closedPort));

    const up = harness({ WEBHOOK_URL: `http://hook-user:s3cr3t-pw@127.0.0.1:${receiver.port}/hook` });
    expect(await runTasksNow(up.runtime, [b])).toMatchObject({ delivered: 1 });
    expect(receiver.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("hook-user:s3cr3t-pw").toString("base64")}`,
    );
    expect(JSON.stringify(up.logs)).not.toContain("s3cr3t-pw");
  });

  it("fails a task of an unknown kind without sending it", async () => {
    const { runtime } = harness();
    const id = await (await db.ready()).$transaction(
      async (tx) => (await tx.task.create({ data: { kind: "mystery.kind", payload: {} } })).id,
    );
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, failed: 1 });
    expect(receiver.requests).toHaveLength(0);
    expect(await taskRow(id)).toMatchObject({ status: "failed", lastError: "unknown task kind" });
  });
});

describe("nothing is lost", () => {
  it("delivers a task whose function was killed before running it (never handed to waitUntil)", async () => {
    const { runtime } = harness();
    const ids = await enqueue(3, "booking.cancelled");
    expect(receiver.requests).toHaveLength(0);
    expect(await drainDueTasks(runtime)).toEqual({ claimed: 3, delivered: 3, retried: 0, failed: 0, skipped: 0 });
    expect(receiver.requests.map((r) => r.taskId).sort()).toEqual([...ids].sort());
  });

  it("re-claims a running task only once its runner's lease has expired", async () => {
    const { runtime } = harness();
    const [id] = await enqueue(1);
    if (!id) throw new Error("no id");
    // A runner claims it and dies mid-delivery.
    const [dead] = await claimTasks(db, { limit: 10, leaseMs: TASK_POLICY.leaseMs });
    expect(dead?.id).toBe(id);
    expect(dead?.lockedUntil.getTime()).toBeGreaterThan(Date.now() + 50_000);

    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 0 });
    expect(receiver.requests).toHaveLength(0);

    await (await db.ready()).$executeRaw`UPDATE tasks SET locked_until = now() - interval '1 second' WHERE id = ${id}::uuid`;
    expect(await drainDueTasks(runtime)).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receiver.requests[0]?.headers["x-s3ssions-attempt"]).toBe("2");
    expect(await taskRow(id)).toMatchObject({ status: "done", attempts: 2 });
  });

  it("a runner whose lease expired cannot finish over a newer claim", async () => {
    const [id] = await enqueue(1);
    if (!id) throw new Error("no id");
    const [first] = await claimTasks(db, { limit: 1, leaseMs: TASK_POLICY.leaseMs });
    if (!first) throw new Error("not claimed");
    await (await db.ready()).$executeRaw`UPDATE tasks SET locked_until = now() - interval '1 second' WHERE id = ${id}::uuid`;
    const [second] = await claimTasks(db, { limit: 1, leaseMs: TASK_POLICY.leaseMs });
    expect(second).toMatchObject({ id, attempts: 2 });
    if (!second) throw new Error("not claimed");

    expect(await completeTask(db, first)).toBe(false);
    expect(await retryTask(db, first, 1_000, "HTTP 500")).toBe(false);
    expect(await failTask(db, first, "HTTP 500")).toBe(false);
    expect(await taskRow(id)).toMatchObject({ status: "running", attempts: 2, lastError: null });

    expect(await completeTask(db, second)).toBe(true);
    expect(await taskRow(id)).toMatchObject({ status: "done", attempts: 2 });
  });

  it("a runner that loses its lease mid-delivery reports it and leaves the newer claim alone", async () => {
    const a = harness();
    const [id] = await enqueue(1);
    if (!id) throw new Error("no id");
    const release = receiver.hold();
    const running = drainDueTasks(a.runtime);
    for (let i = 0; i < 200 && (receiver.inFlight.get(id) ?? 0) === 0; i++) await sleep(5);
    expect(receiver.inFlight.get(id)).toBe(1);
    // Its lease runs out (fake time) and another runner claims the task.
    await (await db.ready()).$executeRaw`UPDATE tasks SET locked_until = now() - interval '1 second' WHERE id = ${id}::uuid`;
    const [stolen] = await claimTasks(openDatabase(), { limit: 1, leaseMs: TASK_POLICY.leaseMs });
    expect(stolen).toMatchObject({ id, attempts: 2 });
    release();

    expect(await running).toMatchObject({ claimed: 1, delivered: 0, skipped: 1 });
    expect(a.logs.find((line) => line.message === "task lease lost")?.fields).toMatchObject({ taskId: id, attempt: 1 });
    expect(await taskRow(id)).toMatchObject({ status: "running", attempts: 2, completedAt: null });
  });

  it("stops within its time budget and leaves the rest due for the next drain", async () => {
    const { runtime } = harness();
    const ids = await enqueue(30);
    receiver.delayMs = 150;
    const started = performance.now();
    const first = await drainDueTasks(runtime, { budgetMs: 1_400, batchSize: 5 });
    expect(performance.now() - started).toBeLessThan(1_400 + 500);
    expect(first.claimed).toBeGreaterThan(0);
    expect(first.claimed).toBeLessThan(30);
    // A task claimed with too little time left is handed back unsent, its attempt uncounted.
    expect(first.delivered + first.skipped).toBe(first.claimed);
    expect(first.delivered).toBe(receiver.requests.length);
    const left = await (await db.ready()).task.findMany({ where: { status: { not: "done" } } });
    expect(left).toHaveLength(30 - first.delivered);
    expect(left.every((task) => task.status === "pending" && task.attempts === 0)).toBe(true);

    receiver.delayMs = 0;
    const second = await drainDueTasks(runtime);
    expect(first.delivered + second.delivered).toBe(30);
    expect(receiver.requests.map((r) => r.taskId).sort()).toEqual([...ids].sort());
  });
});

describe("concurrent drains", () => {
  it("control: the receiver does detect two concurrent deliveries of one task", async () => {
    receiver.delayMs = 50;
    const target = webhookTarget(receiver.url, WEBHOOK_SECRET);
    const event = {
      id: "00000000-0000-4000-8000-000000000001",
      type: "booking.confirmed",
      createdAt: new Date(),
      data: {},
    };
    await Promise.all([deliverWebhook(target, event, 1, 5_000), deliverWebhook(target, event, 1, 5_000)]);
    expect(receiver.overlaps).toEqual([event.id]);
  });

  it.each([2, 4])(
    "%i drains on separate pools through the pooler deliver 50 tasks exactly once, never concurrently",
    async (instances) => {
      const ids = await enqueue(50, "booking.promoted");
      receiver.delayMs = 20;
      const runners = Array.from({ length: instances }, () => harness({}, openDatabase()));
      // Every instance drains at once; two more race the drains with request-style runs.
      const results = await Promise.all([
        ...runners.map(({ runtime }) => drainDueTasks(runtime, { batchSize: 5 })),
        runTasksNow(runners[0]!.runtime, ids),
        runTasksNow(runners[1]!.runtime, [...ids].reverse()),
      ]);

      expect(receiver.overlaps).toEqual([]);
      const perId = new Map<string, number>();
      for (const request of receiver.requests) perId.set(request.taskId, (perId.get(request.taskId) ?? 0) + 1);
      expect([...perId.keys()].sort()).toEqual([...ids].sort());
      expect([...perId.values()].every((count) => count === 1)).toBe(true);

      const total = results.reduce(
        (sum, counts) => ({ claimed: sum.claimed + counts.claimed, delivered: sum.delivered + counts.delivered }),
        { claimed: 0, delivered: 0 },
      );
      expect(total).toEqual({ claimed: 50, delivered: 50 });
      // The runs really overlapped: several deliveries in flight, and work spread over runners.
      expect(receiver.peakInFlight).toBeGreaterThan(1);
      expect(results.filter((counts) => counts.delivered > 0).length).toBeGreaterThan(1);

      const rows = await (await db.ready()).task.groupBy({ by: ["status", "attempts"], _count: true });
      expect(rows).toEqual([{ status: "done", attempts: 1, _count: 50 }]);
    },
  );
});

describe("GET /api/cron/tasks", () => {
  it("refuses without the secret (401), with a wrong one (401), or when none is configured (503)", async () => {
    const { runtime } = harness();
    await enqueue(2);
    for (const authorization of [
      undefined,
      "",
      "Bearer",
      "Bearer wrong-secret-0123456789",
      `Bearer ${CRON_SECRET.slice(0, -1)}`,
      `Bearer ${CRON_SECRET}x`,
      `Basic ${CRON_SECRET}`,
      CRON_SECRET,
    ]) {
      const response = await handleCronTasksRequest(runtime, cronRequest("GET", authorization), "cron-test");
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const body = await response.json();
      expect(body.error.json.data).toMatchObject({ code: "UNAUTHORIZED", requestId: "cron-test" });
      expect(JSON.stringify(body)).not.toContain(CRON_SECRET);
    }

    const unconfigured = harness({ CRON_SECRET: undefined });
    for (const authorization of [undefined, "Bearer ", `Bearer ${CRON_SECRET}`]) {
      const response = await handleCronTasksRequest(
        unconfigured.runtime,
        cronRequest("GET", authorization),
        "cron-test",
      );
      expect(response.status).toBe(503);
      expect((await response.json()).error.json).toMatchObject({
        message: "CRON_SECRET is not configured",
        data: { code: "SERVICE_UNAVAILABLE", requestId: "cron-test" },
      });
    }

    // None of that drained anything.
    expect(receiver.requests).toHaveLength(0);
    expect(await (await db.ready()).task.count({ where: { status: "pending" } })).toBe(2);
  });

  it("answers 405 to anything but GET", async () => {
    const { runtime } = harness();
    await enqueue(1);
    for (const method of ["POST", "PUT", "DELETE", "HEAD"]) {
      const response = await handleCronTasksRequest(runtime, cronRequest(method, `Bearer ${CRON_SECRET}`), "cron-test");
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET");
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it("drains due tasks and answers the counts", async () => {
    const { runtime } = harness();
    const ids = await enqueue(3);
    receiver.failNext(1, 500);
    const response = await handleCronTasksRequest(runtime, cronRequest("GET", `Bearer ${CRON_SECRET}`), "cron-test");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.json();
    expect(body).toMatchObject({ status: "ok", claimed: 3, delivered: 2, retried: 1, failed: 0, skipped: 0 });
    expect(typeof body.durationMs).toBe("number");
    expect(new Set(receiver.requests.map((r) => r.taskId))).toEqual(new Set(ids));
  });
});

describe("cron: done tasks older than 30 days are pruned", () => {
  it("deletes done tasks completed over 30 days ago; recent done and failed ones stay", async () => {
    const { runtime } = harness();
    const rows = await sql<{ id: string }>(
      tdb.directUrl,
      `INSERT INTO tasks (id, kind, payload, status, completed_at, updated_at) VALUES
         (gen_random_uuid(), 'booking.confirmed', '{}', 'done', now() - interval '31 days', now()),
         (gen_random_uuid(), 'booking.confirmed', '{}', 'done', now() - interval '29 days', now()),
         (gen_random_uuid(), 'booking.confirmed', '{}', 'failed', now() - interval '90 days', now())
       RETURNING id::text AS id`,
    );
    const response = await handleCronTasksRequest(runtime, cronRequest("GET", `Bearer ${CRON_SECRET}`), "cron-test");
    expect(response.status).toBe(200);
    expect((await response.json()).prunedTasks).toBe(1);
    const left = await sql<{ id: string }>(tdb.directUrl, "SELECT id::text AS id FROM tasks WHERE id = ANY($1::uuid[])", [
      rows.map((row) => row.id),
    ]);
    expect(left.map((row) => row.id).sort()).toEqual([rows[1]!.id, rows[2]!.id].sort());
  });
});
