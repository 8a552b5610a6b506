import { randomUUID } from "node:crypto";
import { newQueryTiming, timedDatabase } from "@s3ssions/db";
import { sessionInput } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { appRouter, createApiRuntime, createCallerFactory, createContext } from "../../src/index.js";
import type { TaskRunCounts } from "../../src/tasks/run-tasks.js";
import { type Procedures, startProcedures } from "../routers/procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("after_response");
});
afterAll(() => p?.close());

const createCaller = createCallerFactory(appRouter);

// What a change leaves for after the response (waitUntil) runs on the process's database:
// its tasks, and the rate limit's prune (drawn once in a hundred; forced here). On the
// request's timed view, a statement of theirs that landed before the request's log line
// was counted in its dbQueries and Server-Timing, and one that landed after was not
// (http-surface's count of a booking's statements failed in full runs with 4 for 3).
describe("the work a change leaves for after the response", () => {
  it("runs on the process's database (its tasks, the rate limit's prune): the request's statement count stays its own", async () => {
    const host = await p.as();
    const session = await host.api.sessions.create(sessionInput());
    const pending: Promise<unknown>[] = [];
    const runtime = createApiRuntime(
      { env: p.runtime.env, db: p.db, logger: { log: () => {} }, waitUntil: (promise) => void pending.push(promise) },
      { live: p.runtime.live },
    );
    const guest = await p.as();
    const timing = newQueryTiming();
    const caller = createCaller(
      createContext(runtime, {
        requestId: randomUUID(),
        headers: new Headers({ authorization: `Bearer ${guest.token}` }),
        db: timedDatabase(p.db, timing),
      }),
    );

    const draw = vi.spyOn(Math, "random").mockReturnValue(0);
    try {
      expect(await caller.bookings.create({ sessionId: session.id })).toMatchObject({ status: "confirmed" });
    } finally {
      draw.mockRestore();
    }
    // The rate limit's count, then in one transaction the session's lock and the booking's insert.
    expect(timing.queries).toBe(3);
    // The prune, then the tasks.
    expect(pending).toHaveLength(2);
    const [pruned, counts] = (await Promise.all(pending)) as [number, TaskRunCounts];
    expect(pruned).toBeGreaterThanOrEqual(0);
    expect(counts.claimed).toBeGreaterThan(0);
    expect(timing.queries).toBe(3);
  });
});
