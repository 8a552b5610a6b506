import type { Context } from "../../context.js";
import { encodeCursor } from "../../domain/rules/cursor.js";
import { sessionsWithVisibleOnlineUrl } from "../../domain/stores/online-url-viewers.js";
import { toSessionDto } from "../../domain/stores/session-row.js";
import { selectSessionPage } from "../../domain/stores/sessions.js";
import type { ListSessionsInput } from "./list.schema.js";

/** Upcoming first, keyset-paginated on (startsAt, id). */
export async function listSessionsHandler({ ctx, input }: { ctx: Context; input: ListSessionsInput }) {
  const rows = await selectSessionPage(ctx.db, {
    from: input.from ?? new Date(),
    to: input.to,
    hostId: input.hostId,
    includeCancelled: input.includeCancelled,
    after: input.cursor ?? null,
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const visible = await sessionsWithVisibleOnlineUrl(ctx.db, ctx.user?.id ?? null, page);
  const last = page.at(-1);
  return {
    items: page.map((row) => toSessionDto(row, visible.has(row.id))),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.startsAt, last.id) : null,
  };
}
