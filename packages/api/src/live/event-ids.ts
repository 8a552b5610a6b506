// A live event's id is its feed position in decimal. The current state sent at the start
// of a stream carries the head it was read at: the last session's event `<head>`, the
// ones before it `<head>+` ("a state as of head, more to come"), so that a stream cut in
// the middle of it does not resume as if the client had the whole state.

const POSITION = /^(\d{1,19})$/;

/** The SSE id of a feed entry. */
export const eventIdOf = (position: bigint): string => position.toString();

/** The ids of a state of `count` sessions read at `head`. */
export function snapshotEventIds(head: bigint, count: number): string[] {
  return Array.from({ length: count }, (_, index) => (index === count - 1 ? eventIdOf(head) : `${head}+`));
}

/** The greatest feed position: the column is a Postgres bigint. */
const MAX_POSITION = 2n ** 63n - 1n;

/** A valid last event id: a position (within a bigint), or a position and `+` (a state cut short). */
export function isEventId(value: string): boolean {
  const match = /^(\d{1,19})\+?$/.exec(value);
  return match !== null && BigInt(match[1] as string) <= MAX_POSITION;
}

/** The position a stream may resume after, or null when it must start from the current state. */
export function parseEventId(lastEventId: string | null | undefined): bigint | null {
  const match = lastEventId ? POSITION.exec(lastEventId) : null;
  return match ? BigInt(match[1] as string) : null;
}
