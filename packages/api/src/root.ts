import { healthRouter } from "./routers/health/index.js";
import { router } from "./trpc.js";

export const appRouter = router({
  health: healthRouter,
});

export type AppRouter = typeof appRouter;
