import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodeOf, failure, hoursFromNow, type Procedures, sessionInput, startProcedures } from "../procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("sessions_create");
});
afterAll(() => p?.close());

describe("sessions.create: happy", () => {
  it("creates a session hosted by the caller, dates as Date", async () => {
    const host = await p.as();
    const input = sessionInput({ onlineUrl: "https://meet.example.com/abc" });
    const session = await host.api.sessions.create(input);
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
});

describe("sessions.create: time zones are stored by their canonical name", () => {
  // Case-sensitive zone lookups (Java's ZoneId, Python's zoneinfo on Linux, date-fns-tz)
  // refuse "europe/berlin": whatever case the caller sends, the stored name is the one the
  // time zone database uses, and canonicalising it again changes nothing.
  it.each([
    ["europe/berlin", "Europe/Berlin"],
    ["EUROPE/BERLIN", "Europe/Berlin"],
    ["america/new_york", "America/New_York"],
    ["utc", "UTC"],
    ["etc/gmt+5", "Etc/GMT+5"],
  ])("%s is stored as %s, on create and on update", async (sent, stored) => {
    const host = await p.as();
    const created = await host.api.sessions.create(sessionInput({ timezone: sent }));
    expect(created.timezone).toBe(stored);
    expect((await p.anonymous.sessions.byId({ id: created.id })).timezone).toBe(stored);
    const updated = await host.api.sessions.update({ id: created.id, timezone: sent.toUpperCase() });
    expect(updated.timezone).toBe(stored);
  });

  it("every zone the runtime knows, in any case, is stored as a fixed point of canonicalisation", async () => {
    const { ZCreateSessionInput } = await import("../../../src/routers/sessions/create.schema.js");
    for (const zone of Intl.supportedValuesOf("timeZone")) {
      for (const sent of [zone, zone.toLowerCase(), zone.toUpperCase()]) {
        const { timezone } = ZCreateSessionInput.parse(sessionInput({ timezone: sent }));
        expect(new Intl.DateTimeFormat("en-US", { timeZone: timezone }).resolvedOptions().timeZone, sent).toBe(
          timezone,
        );
        expect(timezone.toLowerCase(), sent).toBe(canonicalOf(zone).toLowerCase());
      }
    }
  });
});

function canonicalOf(zone: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
}

describe("sessions.create: errors", () => {
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
    const host = await p.as();
    const { data } = await failure(host.api.sessions.create(sessionInput(overrides) as never));
    expect(data.code).toBe("BAD_REQUEST");
    expect(data.httpStatus).toBe(400);
    expect(Object.keys(data.zodError?.fieldErrors ?? {})).toContain(field);
  });

  it("rejects a session in the past", async () => {
    const host = await p.as();
    const input = sessionInput({ startsAt: hoursFromNow(-2), endsAt: hoursFromNow(-1) });
    expect(await errorCodeOf(host.api.sessions.create(input))).toBe("BAD_REQUEST");
  });

  it("says in one line which fields are wrong; the details stay in data.zodError", async () => {
    const host = await p.as();
    const one = await failure(host.api.sessions.create(sessionInput({ title: 42 }) as never));
    expect(one.message).toBe("Invalid input: title: expected string, received number");
    const several = await failure(
      host.api.sessions.create(sessionInput({ title: 42, capacity: 0, timezone: "Mars/Olympus" }) as never),
    );
    expect(several.message).not.toContain("\n");
    expect(several.message).toBe(
      "Invalid input: title: expected string, received number; timezone: must be an IANA time zone such as " +
        "Europe/Berlin; capacity: Too small: expected number to be >=1",
    );
    expect(Object.keys(several.data.zodError?.fieldErrors ?? {}).sort()).toEqual(["capacity", "timezone", "title"]);
  });
});

describe("sessions.create: security", () => {
  it("requires a signed-in caller", async () => {
    expect(await errorCodeOf(p.anonymous.sessions.create(sessionInput()))).toBe("UNAUTHORIZED");
  });
});
