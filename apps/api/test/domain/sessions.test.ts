import { randomUUID } from "node:crypto";
import { errorCodeOf, TRPCClientError } from "../api-client.js";

async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

function codeOf(error: unknown): string | undefined {
  return (error as { data?: { code?: string } }).data?.code;
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainApi, hoursFromNow, sessionInput, startDomainApi } from "../support.js";

let ctx: DomainApi;
beforeAll(async () => {
  ctx = await startDomainApi("sessions");
});
afterAll(() => ctx?.close());

describe("sessions.create", () => {
  it("creates a session hosted by the caller, dates as Date", async () => {
    const host = await ctx.as();
    const input = sessionInput({ onlineUrl: "https://meet.example.com/abc" });
    const session = await host.api.sessions.create.mutate(input);
    expect(session).toMatchObject({
      hostId: host.userId,
      title: "Morning yoga",
      description: "Bring a mat",
      timezone: "Europe/Berlin",
      capacity: 10,
      location: "Studio 3",
      onlineUrl: "https://meet.example.com/abc",
      status: "scheduled",
      confirmedCount: 0,
      waitlistCount: 0,
      seatsLeft: 10,
    });
    expect(session.startsAt).toBeInstanceOf(Date);
    expect(session.startsAt.getTime()).toBe(input.startsAt.getTime());
    expect(session.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("requires a signed-in caller", async () => {
    expect(await errorCodeOf(ctx.anonymous.sessions.create.mutate(sessionInput()))).toBe("UNAUTHORIZED");
  });

  it.each([
    ["an empty title", { title: "" }, "title"],
    ["a 201-character title", { title: "x".repeat(201) }, "title"],
    ["a 5001-character description", { description: "x".repeat(5001) }, "description"],
    ["endsAt before startsAt", { endsAt: hoursFromNow(23) }, "endsAt"],
    ["an unknown time zone", { timezone: "Mars/Olympus" }, "timezone"],
    ["capacity 0", { capacity: 0 }, "capacity"],
    ["capacity 10001", { capacity: 10_001 }, "capacity"],
    ["a fractional capacity", { capacity: 2.5 }, "capacity"],
    ["an http online URL", { onlineUrl: "http://meet.example.com" }, "onlineUrl"],
    ["a javascript: URL", { onlineUrl: "javascript:alert(1)" }, "onlineUrl"],
    ["a NUL byte in the title", { title: "a\u0000b" }, "title"],
    ["a lone surrogate", { title: "a\ud800b" }, "title"],
  ])("rejects %s with BAD_REQUEST naming the field", async (_, overrides, field) => {
    const host = await ctx.as();
    try {
      await host.api.sessions.create.mutate(sessionInput(overrides) as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TRPCClientError);
      const data = (error as { data?: { code: string; httpStatus: number; zodError: { fieldErrors: object } } }).data;
      expect(data?.code).toBe("BAD_REQUEST");
      expect(data?.httpStatus).toBe(400);
      expect(Object.keys(data?.zodError.fieldErrors ?? {})).toContain(field);
    }
  });

  it("rejects a session in the past", async () => {
    const host = await ctx.as();
    const input = sessionInput({ startsAt: hoursFromNow(-2), endsAt: hoursFromNow(-1) });
    expect(await errorCodeOf(host.api.sessions.create.mutate(input))).toBe("BAD_REQUEST");
  });
});

describe("sessions.byId", () => {
  it("finds a session by id, publicly", async () => {
    const host = await ctx.as();
    const created = await host.api.sessions.create.mutate(sessionInput());
    expect(await ctx.anonymous.sessions.byId.query({ id: created.id })).toEqual(created);
  });

  it("404 for an unknown id, 400 for a malformed one", async () => {
    expect(await errorCodeOf(ctx.anonymous.sessions.byId.query({ id: randomUUID() }))).toBe("NOT_FOUND");
    expect(await errorCodeOf(ctx.anonymous.sessions.byId.query({ id: "nope" }))).toBe("BAD_REQUEST");
  });
});

describe("sessions.list", () => {
  it("pages upcoming sessions in start order with a stable keyset cursor", async () => {
    const host = await ctx.as();
    const base = Date.now() + 30 * 24 * 3_600_000;
    const created = [];
    for (let i = 0; i < 7; i++) {
      // Two sessions share each start time: the id breaks the tie.
      const startsAt = new Date(base + Math.floor(i / 2) * 3_600_000);
      created.push(
        await host.api.sessions.create.mutate(
          sessionInput({ title: `S${i}`, startsAt, endsAt: new Date(startsAt.getTime() + 1_800_000) }),
        ),
      );
    }
    const expected = [...created]
      .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.id.localeCompare(b.id))
      .map((s) => s.id);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ctx.anonymous.sessions.list.query({ hostId: host.userId, limit: 3, cursor });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(pages).toBe(3);
  });

  it("defaults to 20 upcoming, scheduled sessions and filters by time window", async () => {
    const host = await ctx.as();
    const past = await ctx.anonymous.sessions.list.query({ hostId: host.userId });
    expect(past.items).toEqual([]);
    const a = await host.api.sessions.create.mutate(
      sessionInput({ startsAt: hoursFromNow(48), endsAt: hoursFromNow(49) }),
    );
    const b = await host.api.sessions.create.mutate(
      sessionInput({ startsAt: hoursFromNow(96), endsAt: hoursFromNow(97) }),
    );
    await host.api.sessions.cancel.mutate({ id: b.id });
    expect((await ctx.anonymous.sessions.list.query({ hostId: host.userId })).items.map((s) => s.id)).toEqual([a.id]);
    const withCancelled = await ctx.anonymous.sessions.list.query({ hostId: host.userId, includeCancelled: true });
    expect(withCancelled.items.map((s) => s.id)).toEqual([a.id, b.id]);
    const window = await ctx.anonymous.sessions.list.query({
      hostId: host.userId,
      includeCancelled: true,
      from: hoursFromNow(72),
      to: hoursFromNow(100),
    });
    expect(window.items.map((s) => s.id)).toEqual([b.id]);
    const all = await ctx.anonymous.sessions.list.query();
    expect(all.items.length).toBeLessThanOrEqual(20);
  });

  it("rejects a forged cursor, a limit out of range and an inverted window", async () => {
    expect(await errorCodeOf(ctx.anonymous.sessions.list.query({ cursor: "garbage" }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(ctx.anonymous.sessions.list.query({ limit: 0 }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(ctx.anonymous.sessions.list.query({ limit: 101 }))).toBe("BAD_REQUEST");
    expect(await errorCodeOf(ctx.anonymous.sessions.list.query({ from: hoursFromNow(10), to: hoursFromNow(5) }))).toBe(
      "BAD_REQUEST",
    );
  });
});

describe("paged procedures take tRPC's infinite-query input", () => {
  // `infiniteQueryOptions` / `useInfiniteQuery` send `{ ...input, cursor, direction }`,
  // with `cursor: null` for the first page.
  it("sessions.list: cursor null then nextCursor, direction forward; backward and other keys refused", async () => {
    const host = await ctx.as();
    for (let i = 0; i < 3; i++) {
      await host.api.sessions.create.mutate(
        sessionInput({ title: `I${i}`, startsAt: hoursFromNow(200 + i), endsAt: hoursFromNow(201 + i) }),
      );
    }
    const first = await ctx.anonymous.sessions.list.query({
      hostId: host.userId,
      limit: 2,
      cursor: null,
      direction: "forward",
    });
    expect(first.items.map((s) => s.title)).toEqual(["I0", "I1"]);
    const second = await ctx.anonymous.sessions.list.query({
      hostId: host.userId,
      limit: 2,
      cursor: first.nextCursor,
      direction: "forward",
    });
    expect(second.items.map((s) => s.title)).toEqual(["I2"]);
    expect(second.nextCursor).toBeNull();

    const backward = await failure(
      ctx.anonymous.sessions.list.query({ limit: 2, cursor: first.nextCursor, direction: "backward" as "forward" }),
    );
    expect(codeOf(backward)).toBe("BAD_REQUEST");
    expect((backward as Error).message).toMatch(/^Invalid input: direction: /);
    const unknown = await failure(ctx.anonymous.sessions.list.query({ limit: 2, page: 2 } as never));
    expect(codeOf(unknown)).toBe("BAD_REQUEST");
    expect((unknown as Error).message).toBe('Invalid input: Unrecognized key: "page"');
  });

  it("bookings.mine: the same", async () => {
    const host = await ctx.as();
    const user = await ctx.as();
    for (let i = 0; i < 3; i++) {
      const s = await host.api.sessions.create.mutate(sessionInput({ title: `M${i}` }));
      await user.api.bookings.create.mutate({ sessionId: s.id });
    }
    const first = await user.api.bookings.mine.query({ limit: 2, cursor: null, direction: "forward" });
    const second = await user.api.bookings.mine.query({ limit: 2, cursor: first.nextCursor, direction: "forward" });
    expect([...first.items, ...second.items]).toHaveLength(3);
    expect(second.nextCursor).toBeNull();
    expect(codeOf(await failure(user.api.bookings.mine.query({ direction: "backward" as "forward" })))).toBe(
      "BAD_REQUEST",
    );
    expect(codeOf(await failure(user.api.bookings.mine.query({ sessionId: "x" } as never)))).toBe("BAD_REQUEST");
  });
});

describe("validation errors", () => {
  it("say in one line which fields are wrong; the details stay in data.zodError", async () => {
    const host = await ctx.as();
    const error = await failure(host.api.sessions.create.mutate(sessionInput({ title: 42 }) as never));
    expect((error as Error).message).toBe("Invalid input: title: expected string, received number");
    const several = await failure(
      host.api.sessions.create.mutate(sessionInput({ title: 42, capacity: 0, timezone: "Mars/Olympus" }) as never),
    );
    const message = (several as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toBe(
      "Invalid input: title: expected string, received number; timezone: must be an IANA time zone such as " +
        "Europe/Berlin; capacity: Too small: expected number to be >=1",
    );
    const data = (several as { data?: { zodError?: { fieldErrors: Record<string, string[]> } } }).data;
    expect(Object.keys(data?.zodError?.fieldErrors ?? {}).sort()).toEqual(["capacity", "timezone", "title"]);
  });
});

describe("sessions.update", () => {
  it("lets the host change fields and refuses everyone else", async () => {
    const host = await ctx.as();
    const other = await ctx.as();
    const s = await host.api.sessions.create.mutate(sessionInput());
    const updated = await host.api.sessions.update.mutate({ id: s.id, title: "Evening yoga", location: null });
    expect(updated).toMatchObject({ id: s.id, title: "Evening yoga", location: null, description: "Bring a mat" });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(s.updatedAt.getTime());
    expect(await errorCodeOf(other.api.sessions.update.mutate({ id: s.id, title: "Mine now" }))).toBe("FORBIDDEN");
    expect(await errorCodeOf(ctx.anonymous.sessions.update.mutate({ id: s.id, title: "x" }))).toBe("UNAUTHORIZED");
    expect(await errorCodeOf(host.api.sessions.update.mutate({ id: randomUUID(), title: "x" }))).toBe("NOT_FOUND");
    expect(await errorCodeOf(host.api.sessions.update.mutate({ id: s.id, endsAt: hoursFromNow(1) }))).toBe(
      "BAD_REQUEST",
    );
    const intoThePast = host.api.sessions.update.mutate({ id: s.id, startsAt: hoursFromNow(-1) });
    expect(await errorCodeOf(intoThePast)).toBe("BAD_REQUEST");
  });

  it("never lowers capacity below the confirmed bookings, and raising it promotes the waitlist in order", async () => {
    const host = await ctx.as();
    const s = await host.api.sessions.create.mutate(sessionInput({ capacity: 2 }));
    const users = await Promise.all([1, 2, 3, 4].map(() => ctx.as()));
    const bookings = [];
    for (const user of users) bookings.push(await user.api.bookings.create.mutate({ sessionId: s.id }));
    expect(bookings.map((b) => b.status)).toEqual(["confirmed", "confirmed", "waitlisted", "waitlisted"]);

    expect(await errorCodeOf(host.api.sessions.update.mutate({ id: s.id, capacity: 1 }))).toBe("CONFLICT");
    const raised = await host.api.sessions.update.mutate({ id: s.id, capacity: 3 });
    expect(raised).toMatchObject({ capacity: 3, confirmedCount: 3, waitlistCount: 1, seatsLeft: 0 });
    const third = await users[2]!.api.bookings.mine.query();
    const fourth = await users[3]!.api.bookings.mine.query();
    expect(third.items[0]?.status).toBe("confirmed");
    expect(fourth.items[0]?.status).toBe("waitlisted");
  });
});

describe("sessions.cancel", () => {
  it("cancels the session and every active booking; idempotent; host only", async () => {
    const host = await ctx.as();
    const s = await host.api.sessions.create.mutate(sessionInput({ capacity: 1 }));
    const a = await ctx.as();
    const b = await ctx.as();
    await a.api.bookings.create.mutate({ sessionId: s.id });
    await b.api.bookings.create.mutate({ sessionId: s.id });
    expect(await errorCodeOf(a.api.sessions.cancel.mutate({ id: s.id }))).toBe("FORBIDDEN");

    const cancelled = await host.api.sessions.cancel.mutate({ id: s.id });
    expect(cancelled).toMatchObject({ status: "cancelled", confirmedCount: 0, waitlistCount: 0, seatsLeft: 0 });
    expect((await a.api.bookings.mine.query()).items[0]?.status).toBe("cancelled");
    expect((await b.api.bookings.mine.query()).items[0]?.status).toBe("cancelled");
    expect((await host.api.sessions.cancel.mutate({ id: s.id })).status).toBe("cancelled");

    expect(await errorCodeOf(a.api.bookings.create.mutate({ sessionId: s.id }))).toBe("PRECONDITION_FAILED");
    expect(await errorCodeOf(host.api.sessions.update.mutate({ id: s.id, title: "Back on" }))).toBe(
      "PRECONDITION_FAILED",
    );
  });
});
