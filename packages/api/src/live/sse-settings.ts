import type { Env } from "../env.js";

/**
 * tRPC's SSE options, as the root config (`initTRPC.create({ sse })`) reads them at every
 * subscription request. One object per process, set from the environment by
 * `configureLiveStreams` when the runtime is built (tRPC takes the options at import,
 * before env is parsed). A stream ends after `maxDurationMs`, below Vercel's 30 s, without
 * tRPC's `return` event, so the client reconnects with its last event id.
 */
export const liveSseSettings = {
  enabled: true,
  maxDurationMs: 25_000,
  ping: { enabled: true, intervalMs: 10_000 },
  // The client reconnects when it hears nothing, not even a ping, for this long.
  client: { reconnectAfterInactivityMs: 25_000 },
};

export function configureLiveStreams(env: Pick<Env, "LIVE_STREAM_MAX_MS" | "LIVE_PING_MS">): void {
  liveSseSettings.maxDurationMs = env.LIVE_STREAM_MAX_MS;
  liveSseSettings.ping.intervalMs = env.LIVE_PING_MS;
  liveSseSettings.client.reconnectAfterInactivityMs = Math.max(env.LIVE_PING_MS * 3, 1000);
}
