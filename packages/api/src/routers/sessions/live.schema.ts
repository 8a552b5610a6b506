import * as z from "zod";
import { uuid } from "../../domain/schemas/inputs.js";
import { isEventId } from "../../live/event-ids.js";

/** The most sessions one live stream follows. */
export const LIVE_MAX_IDS = 100;

export const ZLiveSessionsInput = z
  .object({
    /** The sessions to follow; unknown ids are simply absent from the stream. */
    ids: z
      .array(uuid)
      .min(1)
      .max(LIVE_MAX_IDS)
      .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))]),
    /**
     * The id of the last event received: set by tRPC's client (and by `Last-Event-ID`) when
     * it resumes; the stream then sends what was missed instead of the current state.
     */
    lastEventId: z.string().refine(isEventId, "must be an event id this API sent").nullish(),
  })
  .strict();
export type LiveSessionsInput = z.infer<typeof ZLiveSessionsInput>;

/** What each event of `sessions.live` carries: a session's seats and status, public fields only. */
export const liveSeats = z.object({
  id: z.string(),
  seatsLeft: z.number().int(),
  confirmedCount: z.number().int(),
  waitlistCount: z.number().int(),
  capacity: z.number().int(),
  status: z.enum(["scheduled", "cancelled"]),
  updatedAt: z.date(),
});
export type LiveSeats = z.infer<typeof liveSeats>;
