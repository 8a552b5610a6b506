/**
 * The API routes the benchmarks load, as requests: every script asks the same questions of
 * ours, the peer and the raw baseline, so a number from one script compares with another's.
 */
import type { BenchData, RequestSpec } from "./harness.js";

export interface BenchRoute {
  /** How tables print it. */
  name: string;
  /** How a command line names it (`bench:ab --routes`, `bench:profile <route>`). */
  key: string;
  /** Reaches the database (so PgBouncer's counters say something about it). */
  db: boolean;
  /** The next request; bookings.create takes a (user, session) pair never booked before. */
  next(data: BenchData): RequestSpec;
}

/** A page of 20 (upcoming sessions, the caller's bookings), superjson-encoded as a tRPC GET input. */
const PAGE_OF_20 = encodeURIComponent(JSON.stringify({ json: { limit: 20 } }));

/** A route's count of requests asked of one side so far: every side walks its seed in the same order. */
function turnCounter(): (data: BenchData) => number {
  const turns = new WeakMap<BenchData, number>();
  return (data) => {
    const turn = turns.get(data) ?? 0;
    turns.set(data, turn + 1);
    return turn;
  };
}
/** sessions.byId walks through a side's seeded sessions; bookings.mine asks as each seeded user. */
const byIdTurn = turnCounter();
const mineTurn = turnCounter();

export const ROUTES: readonly BenchRoute[] = [
  { name: "/health", key: "health", db: false, next: () => ({ method: "GET", path: "/health" }) },
  { name: "/health/db", key: "health-db", db: true, next: () => ({ method: "GET", path: "/health/db" }) },
  {
    name: "sessions.list",
    key: "list",
    db: true,
    next: () => ({ method: "GET", path: `/api/trpc/sessions.list?input=${PAGE_OF_20}` }),
  },
  {
    name: "sessions.byId",
    key: "by-id",
    db: true,
    next(data) {
      const id = data.sessionIds[byIdTurn(data) % data.sessionIds.length];
      return {
        method: "GET",
        path: `/api/trpc/sessions.byId?input=${encodeURIComponent(JSON.stringify({ json: { id } }))}`,
      };
    },
  },
  {
    name: "bookings.create",
    key: "booking",
    db: true,
    next(data) {
      const { token, sessionId } = data.nextBooking();
      return {
        method: "POST",
        path: "/api/trpc/bookings.create",
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ json: { sessionId } }),
      };
    },
  },
  {
    // After bookings.create: by then the users have bookings to list.
    name: "bookings.mine",
    key: "mine",
    db: true,
    next(data) {
      return {
        method: "GET",
        path: `/api/trpc/bookings.mine?input=${PAGE_OF_20}`,
        headers: { authorization: `Bearer ${data.tokens[mineTurn(data) % data.tokens.length]}` },
      };
    },
  },
];

/** The routes that reach the database. */
export const DB_ROUTES = ROUTES.filter((route) => route.db);

/** A route by its command-line key; an unknown key throws, naming the known ones. */
export function routeByKey(key: string): BenchRoute {
  const route = ROUTES.find((r) => r.key === key);
  if (!route) throw new Error(`unknown route ${key} (known: ${ROUTES.map((r) => r.key).join(", ")})`);
  return route;
}
