import { TRPCError } from "@trpc/server";
import type { ProtectedContext } from "../../context.js";
import { toSessionDto } from "../../domain/dto.js";
import { assertNotAnonymous } from "../../domain/guards.js";
import { enforceRateLimit } from "../../rate-limit/index.js";
import type { CreateSessionInput } from "./create.schema.js";

export async function createSessionHandler({ ctx, input }: { ctx: ProtectedContext; input: CreateSessionInput }) {
  assertNotAnonymous(ctx.user, "host sessions");
  await enforceRateLimit(ctx, "sessions.create");
  if (input.startsAt.getTime() <= Date.now()) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "startsAt must be in the future" });
  }
  const row = await ctx.db.prisma.session.create({
    data: {
      hostId: ctx.user.id,
      title: input.title,
      description: input.description ?? null,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      timezone: input.timezone,
      capacity: input.capacity,
      location: input.location ?? null,
      onlineUrl: input.onlineUrl ?? null,
    },
  });
  return toSessionDto(row, true); // the caller is its host
}
