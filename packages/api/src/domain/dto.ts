import { raw, type Sql } from "@s3ssions/db";
import { z } from "zod";

/** What the API says about a session. Never a Prisma type: this shape is the SDK's. */
export const sessionDto = z.object({
  id: z.string(),
  hostId: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  startsAt: z.date(),
  endsAt: z.date(),
  timezone: z.string(),
  capacity: z.number().int(),
  location: z.string().nullable(),
  /**
   * The meeting link: only for the session's host and for users with a confirmed booking;
   * null for everyone else (signed out, waitlisted, other users).
   */
  onlineUrl: z.string().nullable(),
  status: z.enum(["scheduled", "cancelled"]),
  confirmedCount: z.number().int(),
  waitlistCount: z.number().int(),
  /** Seats still free for a confirmed booking. */
  seatsLeft: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type SessionDto = z.infer<typeof sessionDto>;

export const bookingDto = z.object({
  id: z.string(),
  sessionId: z.string(),
  userId: z.string(),
  status: z.enum(["confirmed", "waitlisted", "cancelled"]),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type BookingDto = z.infer<typeof bookingDto>;

export const sessionPage = z.object({ items: z.array(sessionDto), nextCursor: z.string().nullable() });
export const bookingPage = z.object({ items: z.array(bookingDto), nextCursor: z.string().nullable() });

/** A session as stored: the DTO without what is derived from it. */
export type SessionRow = Omit<SessionDto, "seatsLeft">;

/**
 * The columns of a session row, as every raw query selects them (Prisma's own queries
 * return the same fields): `SELECT ${sessionColumns()} FROM sessions`, or with a table alias.
 */
const SESSION_COLUMNS: Record<keyof SessionRow, string> = {
  id: "id::text",
  hostId: "host_id::text",
  title: "title",
  description: "description",
  startsAt: "starts_at",
  endsAt: "ends_at",
  timezone: "timezone",
  capacity: "capacity",
  location: "location",
  onlineUrl: "online_url",
  status: "status::text",
  confirmedCount: "confirmed_count",
  waitlistCount: "waitlist_count",
  createdAt: "created_at",
  updatedAt: "updated_at",
};

export function sessionColumns(alias?: string): Sql {
  const prefix = alias ? `${alias}.` : "";
  return raw(
    Object.entries(SESSION_COLUMNS)
      .map(([field, column]) => `${prefix}${column} AS "${field}"`)
      .join(", "),
  );
}

/**
 * `onlineUrlVisible`: whether the caller is the host or holds a confirmed booking (see
 * onlineUrlViewers); the link is null otherwise.
 */
export function toSessionDto(row: SessionRow, onlineUrlVisible: boolean): SessionDto {
  return {
    ...row,
    onlineUrl: onlineUrlVisible ? row.onlineUrl : null,
    seatsLeft: row.status === "cancelled" ? 0 : Math.max(0, row.capacity - row.confirmedCount),
  };
}

export function toBookingDto(row: BookingDto): BookingDto {
  return {
    id: row.id,
    sessionId: row.sessionId,
    userId: row.userId,
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
