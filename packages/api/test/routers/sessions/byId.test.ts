import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodeOf, type Procedures, sessionInput, startProcedures } from "../procedures.js";

let p: Procedures;
beforeAll(async () => {
  p = await startProcedures("sessions_byid");
});
afterAll(() => p?.close());

describe("sessions.byId: happy", () => {
  it("finds a session by id, publicly", async () => {
    const host = await p.as();
    const created = await host.api.sessions.create(sessionInput());
    expect(await p.anonymous.sessions.byId({ id: created.id })).toEqual(created);
  });
});

describe("sessions.byId: errors", () => {
  it("404 for an unknown id, 400 for a malformed one", async () => {
    expect(await errorCodeOf(p.anonymous.sessions.byId({ id: randomUUID() }))).toBe("NOT_FOUND");
    expect(await errorCodeOf(p.anonymous.sessions.byId({ id: "nope" }))).toBe("BAD_REQUEST");
  });
});
