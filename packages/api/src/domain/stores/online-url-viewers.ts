import type { Database } from "@s3ssions/db";

/**
 * Which of these sessions' meeting links the caller may see: those it hosts and those it
 * holds a confirmed booking in. One query, and none when nobody is signed in or no
 * session has a link to hide.
 */
export async function sessionsWithVisibleOnlineUrl(
  db: Database,
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
  const booked = await db.prisma.booking.findMany({
    where: { userId, status: "confirmed", sessionId: { in: unknown } },
    select: { sessionId: true },
  });
  for (const booking of booked) visible.add(booking.sessionId);
  return visible;
}
