import { type Queryable, sql } from "@s3ssions/db";

/**
 * Which of these sessions' meeting links the caller may see: those it hosts and those it
 * holds a confirmed booking in. One query, and none when nobody is signed in or no
 * session has a link to hide.
 */
export async function sessionsWithVisibleOnlineUrl(
  db: Queryable,
  userId: string | null,
  sessions: { id: string; hostId: string; onlineUrl: string | null }[],
): Promise<Set<string>> {
  const visible = new Set<string>();
  if (!userId) return visible;
  const unknown: string[] = [];
  for (const session of sessions) {
    if (session.onlineUrl === null) continue;
    if (session.hostId === userId) visible.add(session.id);
    else unknown.push(session.id);
  }
  if (unknown.length === 0) return visible;
  const booked = await db.query<{ sessionId: string }>(sql`
    SELECT DISTINCT session_id::text AS "sessionId" FROM bookings
    WHERE user_id = ${userId}::uuid AND status = 'confirmed' AND session_id = ANY(${unknown}::uuid[])`);
  for (const booking of booked) visible.add(booking.sessionId);
  return visible;
}
