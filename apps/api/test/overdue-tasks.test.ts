import { OVERDUE_DRAIN } from "@s3ssions/api";
import { type Receiver, sql, startReceiver, startTestApi, type TestApi } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JWT_SECRET } from "./support.js";

/**
 * Vercel's Hobby plan runs crons once a day: deliveries must not wait for one. Tasks that
 * are overdue (a retry fell due, or their instance was frozen before running them) are
 * delivered after the next response, a bounded few at a time, through waitUntil.
 */

let receiver: Receiver;
let app: TestApi;

beforeAll(async () => {
  receiver = await startReceiver();
  app = await startTestApi("overdue", {
    jwtSecret: JWT_SECRET,
    env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: `whsec_${Buffer.from("overdue-test-signing-key-0123456").toString("base64")}` },
  });
});

afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

async function statuses(): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }>(
    app.tdb.directUrl,
    "SELECT status::text, count(*)::int AS n FROM tasks GROUP BY status",
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

describe("overdue tasks without a frequent cron", () => {
  it("a request drains a bounded few overdue tasks after its response", async () => {
    const overdue = OVERDUE_DRAIN.limit + 3;
    await sql(
      app.tdb.directUrl,
      `INSERT INTO tasks (id, kind, payload, run_after, updated_at)
       SELECT gen_random_uuid(), 'booking.confirmed', jsonb_build_object('n', n), now() - interval '1 hour', now()
       FROM generate_series(1, $1::int) AS n`,
      [overdue],
    );
    expect(await statuses()).toEqual({ pending: overdue });

    // Any request: a liveness check that touches no database itself.
    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);

    let drained: string | undefined;
    for (let i = 0; i < 400 && !drained; i++) {
      drained = app.api.output.find((line) => line.includes('"msg":"overdue tasks drained"'));
      if (!drained) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(drained, app.api.output.join("\n")).toBeDefined();
    expect(JSON.parse(drained!)).toMatchObject({ claimed: OVERDUE_DRAIN.limit, delivered: OVERDUE_DRAIN.limit });
    expect(await statuses()).toEqual({ done: OVERDUE_DRAIN.limit, pending: 3 });
    expect(receiver.requests).toHaveLength(OVERDUE_DRAIN.limit);
  });
});
