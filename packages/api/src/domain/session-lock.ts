import type { Prisma } from "@s3ssions/db";

export interface LockedSession {
  id: string;
  hostId: string;
  title: string;
  startsAt: Date;
  capacity: number;
  status: "scheduled" | "cancelled";
  confirmedCount: number;
  waitlistCount: number;
}

/**
 * Locks a session's row for the rest of the transaction. Every change to a session's
 * bookings takes this lock first, so they run one at a time per session: the counters
 * stay exact and capacity holds under any concurrency. A row lock lives inside the
 * transaction, so it is safe behind a transaction-mode pooler (an advisory lock is not).
 */
export async function lockSession(tx: Prisma.TransactionClient, id: string): Promise<LockedSession | null> {
  const rows = await tx.$queryRaw<LockedSession[]>`
    SELECT id::text AS "id", host_id::text AS "hostId", title, starts_at AS "startsAt", capacity,
           status::text AS "status", confirmed_count AS "confirmedCount", waitlist_count AS "waitlistCount"
    FROM sessions WHERE id = ${id}::uuid FOR UPDATE`;
  return rows[0] ?? null;
}
