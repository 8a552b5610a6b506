/** GET /api/trpc/bookings.mine: the caller's bookings, newest first, a page of 20, in one SELECT. */
import type pg from "pg";
import { callerOf } from "./auth.js";
import {
  type BaselineRequest,
  type BaselineResponse,
  nextCursorOf,
  pageLimitOf,
  queryInput,
  trpcError,
  trpcResult,
} from "./http.js";
import { BOOKING_COLUMNS, type BookingRow, bookingDto } from "./rows.js";

export async function myBookings(pool: pg.Pool, secret: Buffer, request: BaselineRequest): Promise<BaselineResponse> {
  const path = "bookings.mine";
  const user = callerOf(request, secret);
  if (!user) return trpcError(401, "UNAUTHORIZED", "Invalid access token", path);
  const input = queryInput(request.query);
  if (!input) return trpcError(400, "BAD_REQUEST", "Invalid input", path);
  const limit = pageLimitOf(input);
  if (limit === null) return trpcError(400, "BAD_REQUEST", "limit must be an integer from 1 to 100", path);
  const { rows } = await pool.query<BookingRow>(
    `SELECT ${BOOKING_COLUMNS} FROM bookings WHERE user_id = $1::uuid ORDER BY created_at DESC, id DESC LIMIT $2`,
    [user.id, limit + 1],
  );
  const page = rows.slice(0, limit);
  const nextCursor = nextCursorOf(rows, limit, (row) => row.created_at);
  const dates = page.flatMap((_, i) => [`items.${i}.createdAt`, `items.${i}.updatedAt`]);
  return trpcResult({ items: page.map(bookingDto), nextCursor }, dates);
}
