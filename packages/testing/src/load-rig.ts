import { randomUUID } from "node:crypto";
import { type ApiProcess, type ShutdownReport, shutdown, spawnApi } from "./api-process.js";
import { callTrpc, trpcData } from "./load.js";
import { type PrivatePgBouncer, startPrivatePgBouncer } from "./private-pgbouncer.js";
import { type TestDatabase, createTestDatabase, sql } from "./test-database.js";
import { signHs256 } from "./tokens.js";

/**
 * A fleet for load runs: a fresh database on the shared Postgres, a PgBouncer of its own
 * (transaction mode) with a small server pool, and N API processes, each a "function
 * instance" with one pooled connection (`connection_limit=1`).
 */
export interface LoadRig {
  tdb: TestDatabase;
  pgbouncer: PrivatePgBouncer;
  instances: ApiProcess[];
  sessionIds: string[];
  jwtSecret: string;
  /**
   * SIGTERM to every instance, each report saying how many requests were still in flight
   * and whether it drained and closed its database. Once; later calls return the same.
   */
  stopInstances(): Promise<ShutdownReport[]>;
  close(): Promise<void>;
}

export interface LoadRigOptions {
  instances: number;
  /** PgBouncer's server pool for the database (smaller than `instances` makes clients queue in it). */
  poolSize: number;
  /** One session per entry, with that capacity. */
  capacities: number[];
  label?: string;
  /** Extra environment for the API processes. */
  env?: Record<string, string>;
  /** Server entry to run instead of the production bundle (e.g. a variant to compare). */
  entry?: string;
}

export const LOAD_JWT_SECRET = "load-jwt-secret-with-at-least-32-characters!";

export async function startLoadRig(options: LoadRigOptions): Promise<LoadRig> {
  const tdb = await createTestDatabase(options.label ?? "load");
  let pgbouncer: PrivatePgBouncer | undefined;
  const instances: ApiProcess[] = [];
  let stopped: Promise<ShutdownReport[]> | undefined;
  const stopInstances = () => {
    stopped ??= Promise.all(instances.map(shutdown));
    return stopped;
  };
  const close = async () => {
    await stopInstances();
    await pgbouncer?.stop();
    await tdb.drop();
  };
  try {
    pgbouncer = await startPrivatePgBouncer({ poolSize: options.poolSize });
    const env = {
      SUPABASE_DB_URL_TRANSACTION: pgbouncer.url(tdb.name, { pgbouncer: true, connection_limit: 1 }),
      SUPABASE_JWT_SECRET: LOAD_JWT_SECRET,
      // Per-user write limits would answer 429 to a load that books as fast as it can.
      RATE_LIMIT_BOOKINGS_CREATE_PER_MIN: "0",
      RATE_LIMIT_SESSIONS_CREATE_PER_MIN: "0",
      // Small sessions fill on purpose: waitlisting and promotion under load are the subject,
      // not the waitlist's bound (tested with the procedure).
      WAITLIST_MAX: "100000",
      ...options.env,
    };
    // A few at a time: a small machine starting many processes at once is slow for all of them.
    for (let i = 0; i < options.instances; i += 4) {
      const batch = Math.min(4, options.instances - i);
      instances.push(
        ...(await Promise.all(
          Array.from({ length: batch }, () => spawnApi({ env, entry: options.entry, timeoutMs: 60_000 })),
        )),
      );
    }
    const host = await signHs256(LOAD_JWT_SECRET, { sub: randomUUID() });
    const sessionIds: string[] = [];
    for (const capacity of options.capacities) {
      const answer = await callTrpc(
        instances[0]!.baseUrl,
        "mutation",
        "sessions.create",
        {
          title: `Load session (capacity ${capacity})`,
          description: null,
          startsAt: new Date(Date.now() + 86_400_000),
          endsAt: new Date(Date.now() + 90_000_000),
          timezone: "UTC",
          capacity,
          location: "Room 1",
        },
        host,
      );
      const id = trpcData<{ id: string }>(answer)?.id;
      if (answer.status !== 200 || !id) throw new Error(`sessions.create failed: ${answer.status} ${answer.text}`);
      sessionIds.push(id);
    }
    return { tdb, pgbouncer, instances, sessionIds, jwtSecret: LOAD_JWT_SECRET, stopInstances, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

export interface SessionOccupancy {
  id: string;
  capacity: number;
  status: "scheduled" | "cancelled";
  confirmedCount: number;
  waitlistCount: number;
  /** Counted from the booking rows. */
  confirmedRows: number;
  waitlistedRows: number;
  cancelledRows: number;
}

export async function sessionOccupancy(directUrl: string): Promise<SessionOccupancy[]> {
  return sql<SessionOccupancy>(
    directUrl,
    `SELECT s.id::text AS "id", s.capacity, s.status::text AS "status", s.confirmed_count AS "confirmedCount", s.waitlist_count AS "waitlistCount",
            count(b.*) FILTER (WHERE b.status = 'confirmed')::int AS "confirmedRows",
            count(b.*) FILTER (WHERE b.status = 'waitlisted')::int AS "waitlistedRows",
            count(b.*) FILTER (WHERE b.status = 'cancelled')::int AS "cancelledRows"
       FROM sessions s LEFT JOIN bookings b ON b.session_id = s.id
      GROUP BY s.id ORDER BY s.capacity, s.id`,
  );
}

export interface BookingInvariants {
  /** Sessions with more confirmed bookings than seats (by counter or by rows). */
  overbooked: string[];
  /** Sessions whose counters differ from their booking rows. */
  counterDrift: string[];
  /** Sessions with a free seat while someone waits (a missed promotion). */
  missedPromotion: string[];
  /** (session, user) pairs holding more than one active booking. */
  doubleActive: { sessionId: string; userId: string }[];
  /** Cancelled sessions that still hold active bookings. */
  activeInCancelled: string[];
}

/** The booking invariants, read from the database directly. Empty lists everywhere: all hold. */
export async function bookingInvariants(directUrl: string): Promise<BookingInvariants> {
  const sessions = await sessionOccupancy(directUrl);
  const doubleActive = await sql<{ sessionId: string; userId: string }>(
    directUrl,
    `SELECT session_id::text AS "sessionId", user_id::text AS "userId" FROM bookings
      WHERE status IN ('confirmed', 'waitlisted') GROUP BY session_id, user_id HAVING count(*) > 1`,
  );
  return {
    overbooked: sessions.filter((s) => s.confirmedCount > s.capacity || s.confirmedRows > s.capacity).map((s) => s.id),
    counterDrift: sessions
      .filter((s) => s.confirmedCount !== s.confirmedRows || s.waitlistCount !== s.waitlistedRows)
      .map((s) => s.id),
    missedPromotion: sessions.filter((s) => s.confirmedRows < s.capacity && s.waitlistedRows > 0).map((s) => s.id),
    doubleActive,
    activeInCancelled: sessions
      .filter((s) => s.status === "cancelled" && s.confirmedRows + s.waitlistedRows > 0)
      .map((s) => s.id),
  };
}
