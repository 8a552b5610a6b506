import type { TRPCRouterRecord } from "@trpc/server";
import { publicProcedure } from "../../trpc.js";
import { checkHandler } from "./check.handler.js";
import { dbHandler } from "./db.handler.js";

export const healthRouter = {
  check: publicProcedure.query(checkHandler),
  db: publicProcedure.query(dbHandler),
} satisfies TRPCRouterRecord;
