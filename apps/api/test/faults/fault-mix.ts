import { type Fault, sql, type TestDatabase } from "@s3ssions/testing";
import { JWT_SECRET } from "../support.js";

// What the fault suites that retry keyed mutations share: the faults they draw, the API's
// settings for them, and the invariants that must hold however the faults fell.

/**
 * A fault for one connection: its answer lost (at a COMMIT, too), reset mid-answer,
 * refused, blackholed, or slowed. `chunks`: how many of the server's chunks a connection
 * carries (an HTTP answer, one; a pooled Postgres connection, many), where the fault may fire.
 */
export const faultsOver =
  (chunks: number, blackholeMs = 1_000, delayMs = 200) =>
  (random: number): Fault => {
    const afterChunks = Math.floor((random * 1000) % chunks);
    const faults: Fault[] = [
      { kind: "lose-response", afterChunks },
      { kind: "reset-mid-response", afterChunks },
      { kind: "refuse" },
      { kind: "blackhole", ms: blackholeMs },
      { kind: "delay", ms: delayMs },
    ];
    return faults[Math.floor(random * faults.length)]!;
  };

/** Writes without rate limits (the suites make hundreds), a waitlist that never fills. */
export const UNLIMITED_WRITES_ENV = {
  SUPABASE_JWT_SECRET: JWT_SECRET,
  RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
  RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "0",
  RATE_LIMIT_SESSIONS_UPDATE_PER_MIN: "0",
  RATE_LIMIT_BOOKINGS_CANCEL_PER_MIN: "0",
  WAITLIST_MAX: "1000",
};

/** Sessions whose counters differ from their bookings, or hold more than their capacity. */
export function counterDrift(tdb: TestDatabase) {
  return sql(
    tdb.directUrl,
    `SELECT s.id, s.confirmed_count, s.waitlist_count,
            count(b.*) FILTER (WHERE b.status = 'confirmed')::int AS confirmed,
            count(b.*) FILTER (WHERE b.status = 'waitlisted')::int AS waitlisted
     FROM sessions s LEFT JOIN bookings b ON b.session_id = s.id
     GROUP BY s.id
     HAVING s.confirmed_count <> count(b.*) FILTER (WHERE b.status = 'confirmed')
         OR s.waitlist_count <> count(b.*) FILTER (WHERE b.status = 'waitlisted')
         OR s.confirmed_count > s.capacity`,
  );
}

/** Users holding two active bookings in one session. */
export function doubleBookings(tdb: TestDatabase) {
  return sql(
    tdb.directUrl,
    `SELECT session_id, user_id FROM bookings WHERE status <> 'cancelled'
     GROUP BY session_id, user_id HAVING count(*) > 1`,
  );
}
