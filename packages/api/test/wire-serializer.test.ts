import fc from "fast-check";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { bookingPage, sessionPage } from "../src/domain/schemas/dto.js";
import { serializeOutput } from "../src/wire-serializer.js";

// serializeOutput must put on the wire exactly the bytes superjson.serialize would.
const wire = (value: unknown) => JSON.stringify(serializeOutput(value));
const reference = (value: unknown) => JSON.stringify(superjson.serialize(value));

// Dates across the whole range superjson and toISOString accept, invalid ones included.
const date = fc.oneof(
  fc.date({ noInvalidDate: true }),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15) }),
  fc.constant(new Date(Number.NaN)),
);
const text = fc.string({ unit: "grapheme", maxLength: 40 });
const nullableText = fc.option(text, { nil: null });
const uuid = fc.uuid();

const session = fc.record({
  id: uuid,
  hostId: uuid,
  title: text,
  description: nullableText,
  startsAt: date,
  endsAt: date,
  timezone: text,
  capacity: fc.integer(),
  location: nullableText,
  onlineUrl: nullableText,
  status: fc.constantFrom("scheduled" as const, "cancelled" as const),
  confirmedCount: fc.integer(),
  waitlistCount: fc.integer(),
  seatsLeft: fc.integer(),
  createdAt: date,
  updatedAt: date,
});
const booking = fc.record({
  id: uuid,
  sessionId: uuid,
  userId: uuid,
  status: fc.constantFrom("confirmed" as const, "waitlisted" as const, "cancelled" as const),
  createdAt: date,
  updatedAt: date,
});
const page = <T>(item: fc.Arbitrary<T>) =>
  fc.record({ items: fc.array(item, { maxLength: 25 }), nextCursor: fc.option(fc.base64String(), { nil: null }) });

// Keys that need superjson's path escaping, and keys JavaScript orders as array indices.
const key = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("a.b", "a\\b", "\\.", "0", "1", "10", "01", "4294967294", "4294967295", "-1", ""),
);
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(text, fc.boolean(), fc.constant(null), fc.constant(undefined), date),
    fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0), fc.bigInt()),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5 }),
    fc.constantFrom(new Map([["a", 1]]), new Set([1]), /x/g, new Error("e")),
  ),
}));

describe("serializeOutput: superjson's bytes with less work", () => {
  it("session pages (sessions.list) stringify exactly as superjson's", () => {
    fc.assert(
      fc.property(page(session), (value) => {
        expect(wire(value)).toBe(reference(value));
      }),
      { numRuns: 300 },
    );
  });

  it("bookings, sessions and booking pages stringify exactly as superjson's", () => {
    fc.assert(
      fc.property(fc.oneof(session, booking, page(booking)), (value) => {
        expect(wire(value)).toBe(reference(value));
      }),
      { numRuns: 300 },
    );
  });

  it("DTOs that pass their output schemas stringify exactly as superjson's", () => {
    fc.assert(
      fc.property(page(session), page(booking), (sessions, bookings) => {
        for (const [schema, value] of [
          [sessionPage, sessions],
          [bookingPage, bookings],
        ] as const) {
          const parsed = schema.safeParse(value);
          if (parsed.success) expect(wire(parsed.data)).toBe(reference(parsed.data));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("any value (undefined, NaN, -0, bigint, Map, invalid Dates, odd keys, nesting) stringifies exactly as superjson's", () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        let expected: string | Error;
        try {
          expected = reference(value);
        } catch (error) {
          expected = error as Error;
        }
        if (expected instanceof Error) expect(() => wire(value)).toThrow(expected.message);
        else expect(wire(value)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("an object or Date met twice gets superjson's referential equalities", () => {
    const at = new Date(0);
    const shared = { a: 1 };
    for (const value of [{ createdAt: at, updatedAt: at }, [shared, shared], { x: { y: shared }, z: shared }]) {
      expect(wire(value)).toBe(reference(value));
      expect(wire(value)).toContain("referentialEqualities");
    }
  });

  it("a sparse array is copied as superjson copies it: a hole inside is null, a trailing hole is dropped", () => {
    const trailing = [1];
    trailing.length = 2;
    const inside = [new Date(0)];
    inside[2] = new Date(2);
    for (const value of [trailing, inside, { a: trailing, b: inside }]) expect(wire(value)).toBe(reference(value));
  });

  it("array-index leaves come before nested paths, as superjson orders them", () => {
    const value = { items: [{ at: new Date(1) }, new Date(2)], 3: new Date(3) };
    expect(wire(value)).toBe(reference(value));
  });
});
