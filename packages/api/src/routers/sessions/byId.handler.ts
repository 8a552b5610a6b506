import type { Context } from "../../context.js";
import { sessionNotFound } from "../../domain/rules/guards.js";
import { sessionsWithVisibleOnlineUrl } from "../../domain/stores/online-url-viewers.js";
import { toSessionDto } from "../../domain/stores/session-row.js";
import type { SessionByIdInput } from "./byId.schema.js";

export async function sessionByIdHandler({ ctx, input }: { ctx: Context; input: SessionByIdInput }) {
  const prisma = await ctx.db.ready();
  const row = await prisma.session.findUnique({ where: { id: input.id } });
  if (!row) throw sessionNotFound();
  const visible = await sessionsWithVisibleOnlineUrl(ctx.db, ctx.user?.id ?? null, [row]);
  return toSessionDto(row, visible.has(row.id));
}
