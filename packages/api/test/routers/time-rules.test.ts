import { sql } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../../src/index.js";
import { failure, hoursFromNow, type Procedures, sessionInput, startProcedures } from "./procedures.js";

// Every mutation's time rule, one row each: a session freezes at its start, whether it is
// under way or ended days ago. A mutation added to the router without a row fails the
// first test, so that no new write can reach into the past unnoticed.

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("time_rules");
});
afterAll(() => p?.close());

/** A session with a confirmed and a waitlisted booking, then moved to `[startsAt, endsAt)` behind the API's back. */
async function pastSession(startsAt: string, endsAt: string) {
  const host = await p.as();
  const session = await host.api.sessions.create(sessionInput({ capacity: 1 }));
  const [seated, waiting, newcomer] = [await p.as(), await p.as(), await p.as()];
  const booking = await seated.api.bookings.create({ sessionId: session.id });
  await waiting.api.bookings.create({ sessionId: session.id });
  await sql(
    p.tdb.directUrl,
    `UPDATE sessions SET starts_at = now() + $2::interval, ends_at = now() + $3::interval WHERE id = $1`,
    [session.id, startsAt, endsAt],
  );
  return { host: host.api, seated: seated.api, newcomer: newcomer.api, session, booking };
}
type Past = Awaited<ReturnType<typeof pastSession>>;

interface TimeRule {
  /** The call that would reach into the past. */
  call: (past: Past) => Promise<unknown>;
  code: "PRECONDITION_FAILED" | "BAD_REQUEST";
  message: RegExp;
}

const TIME_RULES: Record<string, TimeRule> = {
  "sessions.create": {
    call: ({ host }) => host.sessions.create(sessionInput({ startsAt: hoursFromNow(-49), endsAt: hoursFromNow(-48) })),
    code: "BAD_REQUEST",
    message: /startsAt must be in the future/,
  },
  "sessions.update": {
    call: ({ host, session }) => host.sessions.update({ id: session.id, title: "Renamed afterwards" }),
    code: "PRECONDITION_FAILED",
    message: /already started/,
  },
  "sessions.cancel": {
    call: ({ host, session }) => host.sessions.cancel({ id: session.id }),
    code: "PRECONDITION_FAILED",
    message: /already started/,
  },
  "bookings.create": {
    call: ({ newcomer, session }) => newcomer.bookings.create({ sessionId: session.id }),
    code: "PRECONDITION_FAILED",
    message: /already started/,
  },
  "bookings.cancel": {
    call: ({ seated, booking }) => seated.bookings.cancel({ id: booking.id }),
    code: "PRECONDITION_FAILED",
    message: /already started/,
  },
};

const mutations = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
  .filter(([, procedure]) => procedure._def.type === "mutation")
  .map(([path]) => path)
  .sort();

/** What a refused call must leave as it was: the session, its bookings and the outbox. */
async function snapshot(sessionId: string) {
  const [session] = await sql(p.tdb.directUrl, "SELECT status, title, updated_at FROM sessions WHERE id = $1", [
    sessionId,
  ]);
  const bookings = await sql(
    p.tdb.directUrl,
    "SELECT id, status, updated_at FROM bookings WHERE session_id = $1 ORDER BY id",
    [sessionId],
  );
  const [tasks] = await sql(p.tdb.directUrl, "SELECT count(*)::int AS n FROM tasks");
  return { session, bookings, tasks };
}

describe("time rules: every mutation freezes at a session's start", () => {
  it("every mutation of the router has a time rule here", () => {
    expect(Object.keys(TIME_RULES).sort()).toEqual(mutations);
  });

  const phases = [
    ["under way", "-10 minutes", "50 minutes"],
    ["ended two days ago", "-49 hours", "-48 hours"],
  ] as const;
  const cases = phases.flatMap(([phase, startsAt, endsAt]) =>
    Object.keys(TIME_RULES).map((path) => [path, phase, startsAt, endsAt] as const),
  );

  it.each(cases)("%s on a session %s is refused and writes nothing", async (path, _phase, startsAt, endsAt) => {
    const rule = TIME_RULES[path] as TimeRule;
    const past = await pastSession(startsAt, endsAt);
    const before = await snapshot(past.session.id);
    const refused = await failure(rule.call(past));
    expect(refused.data.code, refused.message).toBe(rule.code);
    expect(refused.message).toMatch(rule.message);
    expect(await snapshot(past.session.id)).toEqual(before);
  });

  it("a session cancelled before its start stays cancelled after it: cancelling again is still a no-op", async () => {
    const host = await p.as();
    const session = await host.api.sessions.create(sessionInput());
    await host.api.sessions.cancel({ id: session.id });
    await sql(p.tdb.directUrl, "UPDATE sessions SET starts_at = now() - interval '49 hours' WHERE id = $1", [
      session.id,
    ]);
    expect((await host.api.sessions.cancel({ id: session.id })).status).toBe("cancelled");
  });
});
