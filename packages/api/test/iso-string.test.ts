import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toIsoString } from "../src/iso-string.js";

describe("toIsoString: toISOString's string, in plain arithmetic", () => {
  it("equals toISOString for any instant of the years 0000–9999", () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        const date = new Date(ms);
        expect(toIsoString(date)).toBe(date.toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    "0000-01-01T00:00:00.000Z",
    "0000-02-29T23:59:59.999Z",
    "0001-01-01T00:00:00.000Z",
    "0999-12-31T23:59:59.999Z",
    "1600-02-29T00:00:00.000Z",
    "1900-02-28T23:59:59.999Z",
    "1900-03-01T00:00:00.000Z",
    "1969-12-31T23:59:59.999Z",
    "1970-01-01T00:00:00.000Z",
    "2000-02-29T12:00:00.001Z",
    "2024-12-31T23:59:59.010Z",
    "2100-03-01T00:00:00.100Z",
    "9999-12-31T23:59:59.999Z",
  ])("writes %s as toISOString does (edges of days, months, leap years, the range)", (iso) => {
    expect(toIsoString(new Date(iso))).toBe(iso);
  });

  it("leaves the six-digit years to toISOString and throws on an invalid Date as it does", () => {
    for (const iso of ["+010000-01-01T00:00:00.000Z", "-000001-12-31T23:59:59.999Z", "+275760-09-13T00:00:00.000Z"]) {
      expect(toIsoString(new Date(iso))).toBe(iso);
    }
    expect(() => toIsoString(new Date(Number.NaN))).toThrow(RangeError);
  });
});
