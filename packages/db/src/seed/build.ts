import type { Prisma } from "../generated/prisma/client.js";
import { CATEGORIES, type Category, LEVELS, ONLINE_HOSTS, PLACES, type Place, SLUG_ALPHABET } from "./catalogue.js";
import { createRandom } from "./random.js";
import { zonedTimeToUtc } from "./zoned-time.js";

/**
 * Demo data for local development: a few hundred sessions from ~20 hosts, spread over
 * the past two weeks and the next eight, with bookings from ~200 users.
 *
 * Bookings are not drawn independently: each session's booking history (arrivals,
 * cancellations, re-bookings, waitlist promotions, a cancelled session) is replayed in
 * time order, so the final rows hold the invariants the API relies on:
 *   - `confirmed_count` = confirmed bookings ≤ capacity, `waitlist_count` = waitlisted ones;
 *   - somebody waits only while the session is full;
 *   - at most one non-cancelled booking per (session, user);
 *   - a cancelled session has only cancelled bookings.
 * Rows are inserted in arrival order, so `seq` (the waitlist's promotion order) agrees
 * with `created_at`.
 *
 * Everything comes from a seeded PRNG and an anchor time (`now`, by default the start of
 * the current UTC day): the same options give the same rows.
 */

export interface SeedOptions {
  /** Number of sessions; default 300. */
  sessions?: number;
  /** PRNG seed; default fixed. */
  seed?: number;
  /** Anchor for "past" and "future"; default: the start of the current UTC day. */
  now?: Date;
}

export interface SeedResult {
  /** False when the database already had sessions: nothing was written. */
  seeded: boolean;
  sessions: number;
  bookings: number;
}

export interface DemoData {
  sessions: Prisma.SessionCreateManyInput[];
  bookings: Prisma.BookingCreateManyInput[];
}

const DEFAULT_SESSIONS = 300;
const DEFAULT_SEED = 0x5e55_1005;
const HOST_COUNT = 20;
const USER_COUNT = 200;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

interface Host {
  id: string;
  place: Place;
  categories: Category[];
  /** Relative share of all sessions. */
  weight: number;
}

interface Draft {
  id: string;
  userId: string;
  arrivedAt: number;
  cancelAt: number | undefined;
  status: "confirmed" | "waitlisted" | "cancelled";
  updatedAt: number;
}

/** Start of the current UTC day: runs on the same day produce identical data. */
function defaultAnchor(): Date {
  const now = Date.now();
  return new Date(now - (now % DAY));
}

/** Builds the demo rows without touching a database. Same options → same rows. */
export function buildDemoData(options: SeedOptions = {}): DemoData {
  const sessionCount = options.sessions ?? DEFAULT_SESSIONS;
  if (!Number.isInteger(sessionCount) || sessionCount < 0) throw new RangeError("sessions must be a whole number ≥ 0");
  const random = createRandom(options.seed ?? DEFAULT_SEED);
  const now = (options.now ?? defaultAnchor()).getTime();

  const hosts: Host[] = Array.from({ length: HOST_COUNT }, () => ({
    id: random.uuid(),
    place: random.pick(PLACES),
    categories: random.sample(CATEGORIES, random.int(1, 2)),
    weight: 0.4 + random.next() * 1.6,
  }));
  const users = Array.from({ length: USER_COUNT }, () => random.uuid());
  const totalWeight = hosts.reduce((sum, host) => sum + host.weight, 0);
  const pickHost = () => {
    let r = random.next() * totalWeight;
    for (const host of hosts) {
      r -= host.weight;
      if (r <= 0) return host;
    }
    return hosts[hosts.length - 1] as Host;
  };

  const sessions: Prisma.SessionCreateManyInput[] = [];
  const drafts: { sessionId: string; draft: Draft }[] = [];

  for (let i = 0; i < sessionCount; i++) {
    const host = pickHost();
    const category = random.pick(host.categories);
    const offering = random.pick(category.offerings);
    const timezone = host.place.timezone;

    // When: a day in [now − 14 d, now + 56 d), a plausible local hour in the host's zone.
    const day = new Date(now + random.int(-14, 55) * DAY);
    const startsAt = zonedTimeToUtc(
      day.getUTCFullYear(),
      day.getUTCMonth(),
      day.getUTCDate(),
      random.pick(category.hours),
      random.pick([0, 0, 15, 30, 30, 45]),
      timezone,
    );
    const endsAt = startsAt + random.pick(category.durations) * MINUTE;

    const online = random.chance(category.online);
    const slug = Array.from({ length: 10 }, () => random.pick([...SLUG_ALPHABET])).join("");
    const [minCapacity, maxCapacity] = category.capacity;
    const capacity = online ? random.int(Math.max(minCapacity, 10), 60) : random.int(minCapacity, maxCapacity);

    const createdAt = Math.min(now - random.int(2, 30 * 24) * HOUR, startsAt - random.int(2, 10) * DAY);
    // Bookings happen between publication and the start (or now, for future sessions).
    const windowEnd = Math.min(now, startsAt) - 5 * MINUTE;
    const window = Math.max(windowEnd - createdAt, HOUR);
    const cancelledAt = random.chance(0.07) ? createdAt + window * (0.3 + random.next() * 0.7) : undefined;

    const sessionId = random.uuid();
    // Demand: some sessions are quiet, many fill, a few are oversubscribed. Far-future
    // sessions have had less time to collect bookings.
    const daysAhead = Math.max(0, (startsAt - now) / DAY);
    const popularity = random.pick([0.15, 0.4, 0.6, 0.8, 1, 1.1, 1.3, 1.6]);
    const demand = Math.round(capacity * popularity * (1 - Math.min(daysAhead, 56) / 80));
    const attendees = random.sample(users, demand);

    const own: Draft[] = [];
    for (const userId of attendees) {
      const arrivedAt = createdAt + Math.floor(window * random.next());
      const cancels = random.chance(0.12);
      const cancelAt = cancels ? arrivedAt + Math.floor((createdAt + window - arrivedAt) * random.next()) : undefined;
      own.push({ id: random.uuid(), userId, arrivedAt, cancelAt, status: "confirmed", updatedAt: arrivedAt });
      // Some who cancelled change their mind and book again (a new booking row).
      if (cancelAt !== undefined && random.chance(0.2)) {
        const again = cancelAt + 1 + Math.floor((createdAt + window - cancelAt) * random.next());
        own.push({
          id: random.uuid(),
          userId,
          arrivedAt: again,
          cancelAt: undefined,
          status: "confirmed",
          updatedAt: again,
        });
      }
    }
    const { confirmed, waitlisted, lastChange } = replay(own, capacity, cancelledAt);

    sessions.push({
      id: sessionId,
      hostId: host.id,
      title: `${offering.title}${random.pick(LEVELS)}`,
      description: `${offering.summary} ${random.pick(category.bring)}`,
      startsAt: new Date(startsAt),
      endsAt: new Date(endsAt),
      timezone,
      location: online ? null : random.pick(host.place.venues),
      onlineUrl: online ? `${random.pick(ONLINE_HOSTS)}${slug}` : null,
      capacity,
      status: cancelledAt === undefined ? "scheduled" : "cancelled",
      confirmedCount: confirmed,
      waitlistCount: waitlisted,
      createdAt: new Date(createdAt),
      updatedAt: new Date(Math.max(createdAt, lastChange)),
    });
    for (const draft of own) {
      if (draft.arrivedAt <= (cancelledAt ?? Number.POSITIVE_INFINITY)) drafts.push({ sessionId, draft });
    }
  }

  // Insertion order = arrival order, so `seq` agrees with `created_at`.
  drafts.sort((x, y) => x.draft.arrivedAt - y.draft.arrivedAt);
  const bookings = drafts.map(({ sessionId, draft }) => ({
    id: draft.id,
    sessionId,
    userId: draft.userId,
    status: draft.status,
    createdAt: new Date(draft.arrivedAt),
    updatedAt: new Date(draft.updatedAt),
  }));
  return { sessions, bookings };
}

/**
 * Replays one session's bookings in time order, as the API would have handled them:
 * a seat if one is free, else the waitlist; a confirmed cancellation promotes the
 * longest-waiting booking; cancelling the session cancels everything still active.
 * Sets each draft's final status; arrivals after a session's cancellation are ignored.
 */
function replay(drafts: Draft[], capacity: number, cancelledAt: number | undefined) {
  type Event = { at: number; kind: "arrive" | "cancel"; draft: Draft };
  const events: Event[] = [];
  for (const draft of drafts) {
    events.push({ at: draft.arrivedAt, kind: "arrive", draft });
    if (draft.cancelAt !== undefined) events.push({ at: draft.cancelAt, kind: "cancel", draft });
  }
  // Arrivals before cancellations at the same instant; stable otherwise.
  events.sort((x, y) => x.at - y.at || (x.kind === y.kind ? 0 : x.kind === "arrive" ? -1 : 1));

  let confirmed = 0;
  const waitlist: Draft[] = [];
  let lastChange = 0;
  for (const event of events) {
    if (cancelledAt !== undefined && event.at > cancelledAt) break;
    const { draft } = event;
    lastChange = event.at;
    if (event.kind === "arrive") {
      if (confirmed < capacity) {
        draft.status = "confirmed";
        confirmed++;
      } else {
        draft.status = "waitlisted";
        waitlist.push(draft);
      }
      draft.updatedAt = event.at;
      continue;
    }
    if (draft.status === "confirmed") {
      confirmed--;
      const next = waitlist.shift();
      if (next) {
        next.status = "confirmed";
        next.updatedAt = event.at;
        confirmed++;
      }
    } else if (draft.status === "waitlisted") {
      waitlist.splice(waitlist.indexOf(draft), 1);
    }
    draft.status = "cancelled";
    draft.updatedAt = event.at;
  }
  if (cancelledAt !== undefined) {
    for (const draft of drafts) {
      if (draft.arrivedAt <= cancelledAt && draft.status !== "cancelled") {
        draft.status = "cancelled";
        draft.updatedAt = cancelledAt;
      }
    }
    return { confirmed: 0, waitlisted: 0, lastChange: cancelledAt };
  }
  return { confirmed, waitlisted: waitlist.length, lastChange };
}
