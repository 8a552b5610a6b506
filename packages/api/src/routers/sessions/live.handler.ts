import { TRPCError, tracked } from "@trpc/server";
import type { Context } from "../../context.js";
import { freeSeats } from "../../domain/rules/seats.js";
import type { SessionSeats } from "../../domain/stores/session-feed.js";
import { LiveStreamInterrupted } from "../../live/live-feed.js";
import type { LiveSeats, LiveSessionsInput } from "./live.schema.js";

function toLiveSeats(session: SessionSeats): LiveSeats {
  return {
    id: session.id,
    seatsLeft: freeSeats(session),
    confirmedCount: session.confirmedCount,
    waitlistCount: session.waitlistCount,
    capacity: session.capacity,
    status: session.status,
    updatedAt: session.updatedAt,
  };
}

/**
 * Live seats of up to 100 sessions: their current state, then every change, each as
 * `tracked(eventId, seats)` from the instance's one feed reader (see live/live-feed.ts).
 * A client that resumes with the last event id gets exactly what it missed, from any
 * instance. No token needed: the data is public.
 */
export async function* liveSessionsHandler({
  ctx,
  input,
  signal,
}: {
  ctx: Context;
  input: LiveSessionsInput;
  signal: AbortSignal | undefined;
}) {
  try {
    for await (const event of ctx.live.watch(input.ids, input.lastEventId, signal)) {
      yield tracked(event.eventId, toLiveSeats(event.session));
    }
  } catch (error) {
    // A retryable code: tRPC's client keeps the stream and reconnects with its last event id.
    if (error instanceof LiveStreamInterrupted) {
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: error.message, cause: error });
    }
    throw error;
  }
}
