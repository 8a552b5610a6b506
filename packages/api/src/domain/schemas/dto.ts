import * as z from "zod";

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
