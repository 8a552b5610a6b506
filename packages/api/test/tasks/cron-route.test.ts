import { sql } from "@s3ssions/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handleCronTasksRequest } from "../../src/index.js";
import { CRON_SECRET, type Outbox, startOutbox } from "./outbox.js";

// GET /api/cron/tasks: the safety-net drain behind CRON_SECRET, which also prunes old done tasks.

let outbox: Outbox;
beforeAll(async () => {
  outbox = await startOutbox("tasks_cron");
});
afterAll(() => outbox?.close());
beforeEach(() => outbox.reset());

function cronRequest(method = "GET", authorization?: string): Request {
  const headers = new Headers();
  if (authorization !== undefined) headers.set("authorization", authorization);
  return new Request("http://localhost/api/cron/tasks", { method, headers });
}

describe("GET /api/cron/tasks", () => {
  it("refuses without the secret (401), with a wrong one (401), or when none is configured (503)", async () => {
    const { runtime } = outbox.harness();
    await outbox.enqueue(2);
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

    const unconfigured = outbox.harness({ CRON_SECRET: undefined });
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
    expect(outbox.receiver.requests).toHaveLength(0);
    expect(await (await outbox.db.ready()).task.count({ where: { status: "pending" } })).toBe(2);
  });

  it("answers 405 to anything but GET", async () => {
    const { runtime } = outbox.harness();
    await outbox.enqueue(1);
    for (const method of ["POST", "PUT", "DELETE", "HEAD"]) {
      const response = await handleCronTasksRequest(runtime, cronRequest(method, `Bearer ${CRON_SECRET}`), "cron-test");
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET");
    }
    expect(outbox.receiver.requests).toHaveLength(0);
  });

  it("drains due tasks and answers the counts", async () => {
    const { runtime } = outbox.harness();
    const ids = await outbox.enqueue(3);
    outbox.receiver.failNext(1, 500);
    const response = await handleCronTasksRequest(runtime, cronRequest("GET", `Bearer ${CRON_SECRET}`), "cron-test");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.json();
    expect(body).toMatchObject({ status: "ok", claimed: 3, delivered: 2, retried: 1, failed: 0, skipped: 0 });
    expect(typeof body.durationMs).toBe("number");
    expect(new Set(outbox.receiver.requests.map((r) => r.taskId))).toEqual(new Set(ids));
  });
});

describe("cron: done tasks older than 30 days are pruned", () => {
  it("deletes done tasks completed over 30 days ago; recent done and failed ones stay", async () => {
    const { runtime } = outbox.harness();
    const rows = await sql<{ id: string }>(
      outbox.tdb.directUrl,
      `INSERT INTO tasks (id, kind, payload, status, completed_at, updated_at) VALUES
         (gen_random_uuid(), 'booking.confirmed', '{}', 'done', now() - interval '31 days', now()),
         (gen_random_uuid(), 'booking.confirmed', '{}', 'done', now() - interval '29 days', now()),
         (gen_random_uuid(), 'booking.confirmed', '{}', 'failed', now() - interval '90 days', now())
       RETURNING id::text AS id`,
    );
    const response = await handleCronTasksRequest(runtime, cronRequest("GET", `Bearer ${CRON_SECRET}`), "cron-test");
    expect(response.status).toBe(200);
    expect((await response.json()).prunedTasks).toBe(1);
    const left = await sql<{ id: string }>(
      outbox.tdb.directUrl,
      "SELECT id::text AS id FROM tasks WHERE id = ANY($1::uuid[])",
      [rows.map((row) => row.id)],
    );
    expect(left.map((row) => row.id).sort()).toEqual([rows[1]!.id, rows[2]!.id].sort());
  });
});

describe("cron: live feed entries older than a day are pruned", () => {
  it("deletes entries written over 24 h ago, marks the head, keeps the recent ones", async () => {
    const { runtime } = outbox.harness();
    const session = "00000000-0000-4000-8000-000000000001";
    // Two entries from yesterday, one from an hour ago.
    await sql(
      outbox.tdb.directUrl,
      `INSERT INTO session_feed (position, session_id, capacity, confirmed_count, waitlist_count, status, updated_at, written_at)
       SELECT h.position + n, $1::uuid, 5, n, 0, 'scheduled', now(), now() - make_interval(hours => CASE WHEN n <= 2 THEN 25 ELSE 1 END)
       FROM session_feed_head h, generate_series(1, 3) n`,
      [session],
    );
    await sql(outbox.tdb.directUrl, "UPDATE session_feed_head SET position = position + 3");
    const response = await handleCronTasksRequest(runtime, cronRequest("GET", `Bearer ${CRON_SECRET}`), "cron-test");
    expect((await response.json()).prunedFeed).toBe(2);
    const left = await sql<{ confirmedCount: number }>(
      outbox.tdb.directUrl,
      `SELECT confirmed_count AS "confirmedCount" FROM session_feed WHERE session_id = $1::uuid`,
      [session],
    );
    expect(left.map((row) => row.confirmedCount)).toEqual([3]);
    const [head] = await sql<{ position: string; prunedThrough: string }>(
      outbox.tdb.directUrl,
      `SELECT position::text AS position, pruned_through::text AS "prunedThrough" FROM session_feed_head`,
    );
    expect(BigInt(head!.prunedThrough)).toBe(BigInt(head!.position) - 1n);
  });
});
