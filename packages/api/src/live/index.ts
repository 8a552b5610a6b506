export {
  createLiveFeed,
  type LiveEvent,
  type LiveFeed,
  type LiveFeedOptions,
  LiveStreamInterrupted,
} from "./live-feed.js";
export { configureLiveStreams, liveSseSettings } from "./sse-settings.js";
