import type { Context } from "../../context.js";
import { toSessionDto } from "../../domain/dto.js";
import { sessionNotFound } from "../../domain/guards.js";
import type { SessionByIdInput } from "./byId.schema.js";

export async function sessionByIdHandler({ ctx, input }: { ctx: Context; input: SessionByIdInput }) {
  const row = await ctx.db.prisma.session.findUnique({ where: { id: input.id } });
  if (!row) throw sessionNotFound();
  return toSessionDto(row);
}
