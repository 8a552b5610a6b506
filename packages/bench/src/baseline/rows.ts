/** The rows the baseline selects, and the API's shapes (DTOs) it answers them in. */
export interface SessionRow {
  id: string;
  host_id: string;
  title: string;
  description: string | null;
  starts_at: Date;
  ends_at: Date;
  timezone: string;
  location: string | null;
  online_url: string | null;
  capacity: number;
  status: "scheduled" | "cancelled";
  confirmed_count: number;
  waitlist_count: number;
  created_at: Date;
  updated_at: Date;
}

export interface BookingRow {
  id: string;
  session_id: string;
  user_id: string;
  status: string;
  created_at: Date;
  updated_at: Date;
}

export function sessionDto(row: SessionRow) {
  return {
    id: row.id,
    hostId: row.host_id,
    title: row.title,
    description: row.description,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    timezone: row.timezone,
    capacity: row.capacity,
    location: row.location,
    onlineUrl: row.online_url,
    status: row.status,
    confirmedCount: row.confirmed_count,
    waitlistCount: row.waitlist_count,
    seatsLeft: row.status === "cancelled" ? 0 : Math.max(0, row.capacity - row.confirmed_count),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function bookingDto(row: BookingRow) {
  return {
    id: row.id,
    sessionId: row.session_id,
    userId: row.user_id,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export const SESSION_COLUMNS =
  "id, host_id, title, description, starts_at, ends_at, timezone, location, online_url, capacity, status, confirmed_count, waitlist_count, created_at, updated_at";
export const BOOKING_COLUMNS = "id, session_id, user_id, status, created_at, updated_at";
