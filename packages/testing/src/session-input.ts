export function hoursFromNow(hours: number): Date {
  return new Date(Date.now() + hours * 3_600_000);
}

/** A valid `sessions.create` input, a day ahead; `overrides` replace (or break) fields. */
export function sessionInput(overrides: Record<string, unknown> = {}) {
  return {
    title: "Morning yoga",
    description: "Bring a mat",
    startsAt: hoursFromNow(24),
    endsAt: hoursFromNow(25),
    timezone: "Europe/Berlin",
    capacity: 10,
    location: "Studio 3",
    ...overrides,
  };
}
