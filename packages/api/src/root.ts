import { bookingsRouter } from "./routers/bookings/index.js";
import { healthRouter } from "./routers/health/index.js";
import { sessionsRouter } from "./routers/sessions/index.js";
import { router } from "./trpc.js";

/** Every feature router, by name: the one place a router is registered. */
export const featureRouters = {
  health: healthRouter,
  sessions: sessionsRouter,
  bookings: bookingsRouter,
};

export const appRouter = router(featureRouters);

export type AppRouter = typeof appRouter;
