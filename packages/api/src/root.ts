import { bookingsRouter } from "./routers/bookings/index.js";
import { healthRouter } from "./routers/health/index.js";
import { sessionsRouter } from "./routers/sessions/index.js";
import { router } from "./trpc.js";

export const appRouter = router({
  health: healthRouter,
  sessions: sessionsRouter,
  bookings: bookingsRouter,
});

export type AppRouter = typeof appRouter;
