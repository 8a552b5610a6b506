import { describe, expect, it } from "vitest";
import { sessionDto } from "../../src/domain/schemas/dto.js";
import { sessionColumnName, sessionColumns } from "../../src/domain/stores/session-row.js";

describe("the session row's columns, derived from sessionDto", () => {
  it("selects every stored field under its own name, strings and enums as text", () => {
    const text = sessionColumns("s").text;
    for (const field of Object.keys(sessionDto.shape).filter((f) => f !== "seatsLeft")) {
      expect(text).toContain(`AS "${field}"`);
    }
    expect(text).toContain('s.host_id::text AS "hostId"');
    expect(text).toContain('s.starts_at AS "startsAt"');
    expect(text).not.toContain("seats_left");
  });

  it("names a write's column only for a stored field: anything else (a derived field, a crafted key) throws", () => {
    expect(sessionColumnName("confirmedCount")).toBe("confirmed_count");
    expect(sessionColumnName("onlineUrl")).toBe("online_url");
    for (const key of ["seatsLeft", "title = 'x', host_id", "__proto__", ""]) {
      expect(() => sessionColumnName(key)).toThrow(/not a session column/);
    }
  });
});
