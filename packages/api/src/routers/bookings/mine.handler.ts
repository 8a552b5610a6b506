import type { Prisma } from "@s3ssions/db";
import type { ProtectedContext } from "../../context.js";
import { encodeCursor } from "../../domain/rules/cursor.js";
import { toBookingDto } from "../../domain/stores/bookings.js";
import type { MyBookingsInput } from "./mine.schema.js";

/** The caller's bookings, newest first, keyset-paginated on (createdAt, id). */
export async function myBookingsHandler({ ctx, input }: { ctx: ProtectedContext; input: MyBookingsInput }) {
  const before = input.cursor ?? null;
  const where: Prisma.BookingWhereInput = {
    userId: ctx.user.id,
    ...(input.status ? { status: input.status } : {}),
    ...(before ? { OR: [{ createdAt: { lt: before.at } }, { createdAt: before.at, id: { lt: before.id } }] } : {}),
  };
  const prisma = await ctx.db.ready();
  const rows = await prisma.booking.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(toBookingDto),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}
