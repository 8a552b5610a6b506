import type { Prisma, PrismaClient } from "./generated/prisma/client.js";

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
/** Serialises concurrent seeders (two dev processes, a seed script next to dev). */
const SEED_LOCK_KEY = 727_002;

// ---------------------------------------------------------------------------------------
// Deterministic randomness

/** sfc32: small, fast, good enough for demo data, identical on every platform. */
function createRandom(seed: number) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  for (let i = 0; i < 16; i++) next();
  const random = {
    next,
    /** Integer in [min, max], both included. */
    int(min: number, max: number): number {
      return min + Math.floor(next() * (max - min + 1));
    },
    chance(p: number): boolean {
      return next() < p;
    },
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error("pick from an empty list");
      return item;
    },
    /** `count` distinct items, in random order (partial Fisher–Yates on a copy). */
    sample<T>(items: readonly T[], count: number): T[] {
      const copy = [...items];
      const n = Math.min(count, copy.length);
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(next() * (copy.length - i));
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy.slice(0, n);
    },
    /** A version-4-shaped UUID from the PRNG. */
    uuid(): string {
      const bytes = Array.from({ length: 16 }, () => Math.floor(next() * 256));
      bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
      bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
      const hex = bytes.map((x) => x.toString(16).padStart(2, "0")).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
  return random;
}

// ---------------------------------------------------------------------------------------
// Wall-clock time in an IANA zone → UTC, with Intl only

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneOffsetMs(utcMs: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(utcMs))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    (parts.hour ?? 0) % 24,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - (utcMs - (utcMs % 1000));
}

/** The instant at which clocks in `timeZone` show the given date and time. */
function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string) {
  const wall = Date.UTC(year, month, day, hour, minute);
  const first = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(first, timeZone);
}

// ---------------------------------------------------------------------------------------
// Catalogue

interface Place {
  timezone: string;
  venues: readonly string[];
}

const PLACES: readonly Place[] = [
  {
    timezone: "Europe/London",
    venues: [
      "The Canal Studio, 14 Regent's Row, London E8 4QR",
      "Hackney Community Hall, 2 Mare Street, London E8 1HY",
    ],
  },
  {
    timezone: "Europe/Berlin",
    venues: ["Atelier Nord, Lychener Straße 32, 10437 Berlin", "Werkraum Kreuzberg, Oranienstraße 185, 10999 Berlin"],
  },
  { timezone: "Europe/Paris", venues: ["Espace Voltaire, 12 rue de la Roquette, 75011 Paris"] },
  { timezone: "Europe/Madrid", venues: ["Taller Lavapiés, Calle de Argumosa 21, 28012 Madrid"] },
  { timezone: "Europe/Amsterdam", venues: ["De Werkplaats, Czaar Peterstraat 213, 1018 PL Amsterdam"] },
  { timezone: "Europe/Lisbon", venues: ["Casa do Largo, Largo do Intendente 45, 1100-285 Lisboa"] },
  {
    timezone: "America/New_York",
    venues: [
      "Bushwick Makers Loft, 56 Bogart St, Brooklyn, NY 11206",
      "West Village Studio, 120 Bank St, New York, NY 10014",
    ],
  },
  { timezone: "America/Chicago", venues: ["Logan Square Arts Space, 2545 N Kedzie Blvd, Chicago, IL 60647"] },
  { timezone: "America/Denver", venues: ["RiNo Workshop, 3501 Wazee St, Denver, CO 80216"] },
  {
    timezone: "America/Los_Angeles",
    venues: [
      "Mission Dolores Studio, 3321 16th St, San Francisco, CA 94114",
      "Silver Lake Commons, 2830 Sunset Blvd, Los Angeles, CA 90026",
    ],
  },
  { timezone: "America/Toronto", venues: ["Queen West Collective, 905 Queen St W, Toronto, ON M6J 1G5"] },
  { timezone: "America/Sao_Paulo", venues: ["Espaço Vila Madalena, Rua Aspicuelta 310, São Paulo - SP, 05433-010"] },
  { timezone: "Asia/Tokyo", venues: ["Shimokitazawa Studio, 2-14-3 Kitazawa, Setagaya-ku, Tokyo 155-0031"] },
  { timezone: "Asia/Singapore", venues: ["Tiong Bahru Workshop, 78 Yong Siak St, Singapore 163078"] },
  { timezone: "Asia/Kolkata", venues: ["Indiranagar Learning Loft, 100 Feet Rd, Bengaluru, Karnataka 560038"] },
  { timezone: "Australia/Sydney", venues: ["Surry Hills Studio, 45 Crown St, Surry Hills NSW 2010"] },
  { timezone: "Pacific/Auckland", venues: ["Ponsonby Community Rooms, 20 Ponsonby Rd, Auckland 1011"] },
  { timezone: "Africa/Johannesburg", venues: ["Maboneng Hub, 264 Fox St, Johannesburg 2094"] },
];

interface Category {
  name: string;
  offerings: readonly { title: string; summary: string }[];
  /** Local start hours to choose from. */
  hours: readonly number[];
  durations: readonly number[];
  capacity: readonly [number, number];
  /** Share of this category's sessions held online. */
  online: number;
  bring: readonly string[];
}

const CATEGORIES: readonly Category[] = [
  {
    name: "movement",
    offerings: [
      { title: "Morning Vinyasa Flow", summary: "A steady, breath-led flow to wake the body up before work." },
      { title: "Gentle Yoga for Back Care", summary: "Slow, supported postures for stiff backs and long desk days." },
      {
        title: "Core & Mobility Circuit",
        summary: "Forty minutes of core strength and joint mobility, scaled for every level.",
      },
      {
        title: "Beginner Pilates Mat Class",
        summary: "The fundamentals of mat Pilates: breathing, alignment and control.",
      },
      { title: "Sunset Yin Yoga", summary: "Long-held floor poses and a guided relaxation to close the day." },
    ],
    hours: [7, 8, 12, 18, 19],
    durations: [45, 60, 75],
    capacity: [8, 30],
    online: 0.3,
    bring: ["Bring a mat and water; blocks are provided.", "Wear comfortable clothes you can move in."],
  },
  {
    name: "art",
    offerings: [
      {
        title: "Watercolour Basics: Washes and Gradients",
        summary: "Learn flat, graded and wet-in-wet washes and when to use each.",
      },
      {
        title: "Urban Sketching Walk",
        summary: "We sketch the neighbourhood together and share pages over coffee at the end.",
      },
      {
        title: "Portrait Drawing Fundamentals",
        summary: "Proportions of the face, measuring and shading, from a live model.",
      },
      { title: "Intro to Wheel Throwing", summary: "Centre, open and pull your first cylinders on the wheel." },
      { title: "Linocut Printmaking", summary: "Carve a small block and print a short edition to take home." },
    ],
    hours: [10, 11, 14, 18],
    durations: [90, 120, 180],
    capacity: [5, 16],
    online: 0.1,
    bring: ["All materials are included.", "Bring an apron; clay and ink stain."],
  },
  {
    name: "tech",
    offerings: [
      { title: "TypeScript Office Hours", summary: "Bring a type error you cannot crack; we debug it live together." },
      {
        title: "Postgres Performance Clinic",
        summary: "Reading EXPLAIN ANALYZE, choosing indexes, and spotting N+1 queries.",
      },
      { title: "Intro to Git for Designers", summary: "Branches, commits and pull requests without the jargon." },
      { title: "Building APIs with tRPC", summary: "End-to-end types from the database to the browser in one hour." },
      {
        title: "Accessibility Audit Workshop",
        summary: "Audit a real page with a screen reader and fix what we find.",
      },
    ],
    hours: [9, 12, 16, 17, 19],
    durations: [60, 90, 120],
    capacity: [10, 60],
    online: 0.75,
    bring: ["Bring a laptop with Node 20 or newer installed.", "Questions welcome in advance by email."],
  },
  {
    name: "language",
    offerings: [
      {
        title: "Spanish Conversation Circle (B1)",
        summary: "Small-group conversation on everyday topics, gently corrected.",
      },
      {
        title: "Japanese for Travellers",
        summary: "Greetings, ordering food and asking for directions, with a native speaker.",
      },
      { title: "French Pronunciation Lab", summary: "Nasal vowels, liaisons and the French r, one sound at a time." },
      { title: "German Grammar Q&A", summary: "Cases, word order and separable verbs: bring your questions." },
    ],
    hours: [8, 12, 18, 19, 20],
    durations: [45, 60, 90],
    capacity: [5, 12],
    online: 0.6,
    bring: ["No textbook needed.", "A notebook helps."],
  },
  {
    name: "music",
    offerings: [
      { title: "Beginner Ukulele Group Lesson", summary: "Four chords, a strumming pattern and your first song." },
      { title: "Home Recording 101", summary: "Microphones, gain staging and a clean vocal take on a budget." },
      { title: "Choir Warm-ups and Harmony", summary: "Warm up, learn a three-part arrangement and sing it together." },
      { title: "Jazz Piano Voicings", summary: "Shell voicings and rootless chords for ii–V–I progressions." },
    ],
    hours: [11, 15, 18, 19],
    durations: [60, 90],
    capacity: [6, 24],
    online: 0.35,
    bring: ["Loaner instruments available; tell us when you book.", "Headphones recommended."],
  },
  {
    name: "career",
    offerings: [
      { title: "Resume Review Session", summary: "Live, anonymised reviews of real resumes with concrete rewrites." },
      {
        title: "Negotiation Skills for Freelancers",
        summary: "Anchoring, walking away, and pricing by value rather than hours.",
      },
      {
        title: "Bookkeeping Basics for Small Businesses",
        summary: "Invoices, receipts and quarterly taxes without a spreadsheet panic.",
      },
      {
        title: "Public Speaking Practice Group",
        summary: "Two-minute talks, supportive feedback, and a little less fear each time.",
      },
    ],
    hours: [8, 12, 17, 18],
    durations: [60, 90],
    capacity: [6, 40],
    online: 0.55,
    bring: ["Bring a draft if you have one.", "Sessions are not recorded."],
  },
  {
    name: "cooking",
    offerings: [
      { title: "Sourdough from Scratch", summary: "Starter care, shaping and scoring; you take home a dough to bake." },
      { title: "Knife Skills Essentials", summary: "Holding, sharpening and the classic cuts, with plenty of onions." },
      { title: "Vegan Weeknight Dinners", summary: "Three quick dinners built from a handful of pantry staples." },
      { title: "Dumpling Workshop", summary: "Fold, pleat and pan-fry two kinds of dumplings, then eat them." },
    ],
    hours: [11, 17, 18],
    durations: [120, 150, 180],
    capacity: [6, 14],
    online: 0.1,
    bring: ["Ingredients and aprons provided; tell us about allergies.", "Bring a container for leftovers."],
  },
  {
    name: "wellbeing",
    offerings: [
      {
        title: "Guided Meditation for Beginners",
        summary: "Short guided sits and simple techniques to practise at home.",
      },
      { title: "Sleep Hygiene Coaching", summary: "Evidence-based habits for better sleep, and a two-week plan." },
      { title: "Journaling Circle", summary: "Prompts, quiet writing time, and optional sharing." },
      { title: "Breathwork Session", summary: "Paced breathing patterns for focus and for winding down." },
    ],
    hours: [7, 12, 19, 20],
    durations: [30, 45, 60],
    capacity: [8, 60],
    online: 0.65,
    bring: ["Find a quiet spot and a cushion.", "Cameras optional."],
  },
];

const LEVELS = ["", "", "", " (Beginners)", " (Intermediate)", " — Drop-in"];
const ONLINE_HOSTS = ["https://meet.example.com/", "https://video.example.org/room/", "https://live.example.net/s/"];
const SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

interface Host {
  id: string;
  place: Place;
  categories: Category[];
  /** Relative share of all sessions. */
  weight: number;
}

// ---------------------------------------------------------------------------------------
// Building the rows (pure)

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

// ---------------------------------------------------------------------------------------
// Writing

/**
 * Seeds the demo data in one transaction, unless the sessions table already has rows
 * (then nothing is written and `seeded` is false). Safe to run concurrently: seeders
 * queue on a transaction-level advisory lock, which also works through PgBouncer's
 * transaction mode.
 *
 * Rows go in as one `INSERT … SELECT FROM unnest(…)` per table, not `createMany`:
 * measured on 300 sessions + 5,482 bookings, `createMany` spent ≈ 1 s (≈ 1.3 s in a
 * fresh process) compiling and serialising rows client-side for ≈ 0.1 s of database
 * work, while the two array inserts take ≈ 0.15 s in all. The rows keep Prisma's
 * `CreateManyInput` types, and a renamed column fails the seed test.
 */
export async function seedDemoData(prisma: PrismaClient, options: SeedOptions = {}): Promise<SeedResult> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SEED_LOCK_KEY})`;
      const existing = await tx.session.count();
      if (existing > 0) return { seeded: false, sessions: existing, bookings: await tx.booking.count() };
      const data = buildDemoData(options);
      await insertRows(tx, data);
      return { seeded: true, sessions: data.sessions.length, bookings: data.bookings.length };
    },
    { maxWait: 15_000, timeout: 120_000 },
  );
}

async function insertRows(tx: Prisma.TransactionClient, { sessions, bookings }: DemoData): Promise<void> {
  const s = <K extends keyof Prisma.SessionCreateManyInput>(key: K) => sessions.map((row) => row[key] ?? null);
  const b = <K extends keyof Prisma.BookingCreateManyInput>(key: K) => bookings.map((row) => row[key] ?? null);
  await tx.$executeRaw`
    INSERT INTO "sessions" ("id", "host_id", "title", "description", "starts_at", "ends_at", "timezone", "location",
      "online_url", "capacity", "status", "confirmed_count", "waitlist_count", "created_at", "updated_at")
    SELECT * FROM unnest(
      ${s("id")}::uuid[], ${s("hostId")}::uuid[], ${s("title")}::text[], ${s("description")}::text[],
      ${s("startsAt")}::timestamptz[], ${s("endsAt")}::timestamptz[], ${s("timezone")}::text[], ${s("location")}::text[],
      ${s("onlineUrl")}::text[], ${s("capacity")}::int[], ${s("status")}::"SessionStatus"[],
      ${s("confirmedCount")}::int[], ${s("waitlistCount")}::int[], ${s("createdAt")}::timestamptz[],
      ${s("updatedAt")}::timestamptz[])`;
  // ORDER BY the array position: `seq` (SERIAL) is then handed out in arrival order.
  await tx.$executeRaw`
    INSERT INTO "bookings" ("id", "session_id", "user_id", "status", "created_at", "updated_at")
    SELECT id, session_id, user_id, status, created_at, updated_at FROM unnest(
      ${b("id")}::uuid[], ${b("sessionId")}::uuid[], ${b("userId")}::uuid[], ${b("status")}::"BookingStatus"[],
      ${b("createdAt")}::timestamptz[], ${b("updatedAt")}::timestamptz[]
    ) WITH ORDINALITY AS r(id, session_id, user_id, status, created_at, updated_at, n)
    ORDER BY n`;
}
