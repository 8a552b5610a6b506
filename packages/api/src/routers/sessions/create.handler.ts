import type { ProtectedContext } from "../../context.js";
import { assertNotAnonymous } from "../../domain/rules/guards.js";
import { assertSessionTimes } from "../../domain/rules/session-times.js";
import { toSessionDto } from "../../domain/stores/session-row.js";
import { enforceRateLimit } from "../../rate-limit/index.js";
import type { CreateSessionInput } from "./create.schema.js";

export async function createSessionHandler({ ctx, input }: { ctx: ProtectedContext; input: CreateSessionInput }) {
  assertNotAnonymous(ctx.user, "host sessions");
  await enforceRateLimit(ctx, "sessions.create");
  assertSessionTimes(input, true);
  // The input holds the session's own fields only (a strict schema): it is the row's data.
  const prisma = await ctx.db.ready();
  const row = await prisma.session.create({ data: { ...input, hostId: ctx.user.id } });
  return toSessionDto(row, true); // the caller is its host
}
