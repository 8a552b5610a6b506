import type { ProtectedContext } from "../../context.js";
import { commitChange } from "../../domain/changes/commit-change.js";
import { promoteWaitlisted } from "../../domain/changes/promote-waitlisted.js";
import { assertHost, assertNotAnonymous, assertScheduled, sessionNotFound } from "../../domain/rules/guards.js";
import { assertCapacityCoversConfirmed } from "../../domain/rules/seats.js";
import { assertNotStarted, assertSessionTimes } from "../../domain/rules/session-times.js";
import { toSessionDto } from "../../domain/stores/session-row.js";
import { lockSession, updateLockedSession } from "../../domain/stores/sessions.js";
import { enforceRateLimit } from "../../rate-limit/index.js";
import { enqueueTasks } from "../../tasks/outbox.js";
import type { UpdateSessionInput } from "./update.schema.js";

/**
 * Changes a session under its lock. Capacity never drops below the confirmed bookings;
 * raising it confirms waitlisted bookings in arrival order.
 */
export async function updateSessionHandler({ ctx, input }: { ctx: ProtectedContext; input: UpdateSessionInput }) {
  assertNotAnonymous(ctx.user, "host sessions");
  await enforceRateLimit(ctx, "sessions.update");
  const { id, ...changes } = input;
  return commitChange(ctx, async (tx) => {
    const session = await lockSession(tx, id);
    if (!session) throw sessionNotFound();
    assertHost(session, ctx.user.id);
    assertScheduled(session);
    assertNotStarted(session);

    assertSessionTimes(
      { startsAt: changes.startsAt ?? session.startsAt, endsAt: changes.endsAt ?? session.endsAt },
      changes.startsAt !== undefined,
    );
    if (changes.capacity !== undefined) assertCapacityCoversConfirmed(changes.capacity, session);

    // The input holds the session's own fields only (a strict schema); undefined ones stay as they are.
    const updated = await updateLockedSession(tx, session, { set: changes });
    const { session: row, events } = await promoteWaitlisted(tx, updated);
    // A new capacity or a promotion moves the seats; a new title or time does not.
    const seatsChanged = changes.capacity !== undefined || events.length > 0 ? row.id : undefined;
    return { result: toSessionDto(row, true), taskIds: await enqueueTasks(tx, events), seatsChanged };
  });
}
