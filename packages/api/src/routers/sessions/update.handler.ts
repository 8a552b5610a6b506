import { TRPCError } from "@trpc/server";
import type { ProtectedContext } from "../../context.js";
import { commitChange } from "../../domain/change.js";
import { toSessionDto } from "../../domain/dto.js";
import {
  assertHost,
  assertNotAnonymous,
  assertNotStarted,
  assertScheduled,
  sessionNotFound,
} from "../../domain/guards.js";
import { lockSession } from "../../domain/session-lock.js";
import { promoteWaitlisted } from "../../domain/waitlist.js";
import type { UpdateSessionInput } from "./update.schema.js";

/**
 * Changes a session under its lock. Capacity never drops below the confirmed bookings;
 * raising it confirms waitlisted bookings in arrival order.
 */
export async function updateSessionHandler({ ctx, input }: { ctx: ProtectedContext; input: UpdateSessionInput }) {
  assertNotAnonymous(ctx.user, "host sessions");
  const { id, ...changes } = input;
  return commitChange(ctx, async (tx) => {
    const session = await lockSession(tx, id);
    if (!session) throw sessionNotFound();
    assertHost(session, ctx.user.id);
    assertScheduled(session);
    assertNotStarted(session);

    const current = await tx.session.findUniqueOrThrow({ where: { id }, select: { startsAt: true, endsAt: true } });
    const startsAt = changes.startsAt ?? current.startsAt;
    const endsAt = changes.endsAt ?? current.endsAt;
    if (changes.startsAt !== undefined && changes.startsAt.getTime() <= Date.now()) {
      throw new TRPCError({ code: "BAD_REQUEST", message: "startsAt must be in the future" });
    }
    if (endsAt <= startsAt) {
      throw new TRPCError({ code: "BAD_REQUEST", message: "endsAt must be after startsAt" });
    }
    if (changes.capacity !== undefined && changes.capacity < session.confirmedCount) {
      throw new TRPCError({
        code: "CONFLICT",
        message: `capacity cannot drop below the ${session.confirmedCount} confirmed bookings`,
      });
    }

    await tx.session.update({
      where: { id },
      data: {
        ...(changes.title !== undefined && { title: changes.title }),
        ...(changes.description !== undefined && { description: changes.description }),
        ...(changes.startsAt !== undefined && { startsAt: changes.startsAt }),
        ...(changes.endsAt !== undefined && { endsAt: changes.endsAt }),
        ...(changes.timezone !== undefined && { timezone: changes.timezone }),
        ...(changes.capacity !== undefined && { capacity: changes.capacity }),
        ...(changes.location !== undefined && { location: changes.location }),
        ...(changes.onlineUrl !== undefined && { onlineUrl: changes.onlineUrl }),
      },
    });
    if (changes.capacity !== undefined) session.capacity = changes.capacity;
    if (changes.title !== undefined) session.title = changes.title;
    session.startsAt = startsAt;
    const events = await promoteWaitlisted(tx, session);
    const row = await tx.session.findUniqueOrThrow({ where: { id } });
    return { result: toSessionDto(row, true), events };
  });
}
