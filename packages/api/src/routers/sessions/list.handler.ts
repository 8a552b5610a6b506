import type { Prisma } from "@s3ssions/db";
import type { Context } from "../../context.js";
import { decodeCursor, encodeCursor } from "../../domain/cursor.js";
import { toSessionDto } from "../../domain/dto.js";
import type { ListSessionsInput } from "./list.schema.js";

/** Upcoming first, keyset-paginated on (startsAt, id). */
export async function listSessionsHandler({ ctx, input }: { ctx: Context; input: ListSessionsInput }) {
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const where: Prisma.SessionWhereInput = {
    startsAt: { gte: input.from ?? new Date(), ...(input.to ? { lt: input.to } : {}) },
    ...(input.hostId ? { hostId: input.hostId } : {}),
    ...(input.includeCancelled ? {} : { status: "scheduled" }),
    ...(after ? { OR: [{ startsAt: { gt: after.at } }, { startsAt: after.at, id: { gt: after.id } }] } : {}),
  };
  const rows = await ctx.db.prisma.session.findMany({
    where,
    orderBy: [{ startsAt: "asc" }, { id: "asc" }],
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(toSessionDto),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.startsAt, last.id) : null,
  };
}
