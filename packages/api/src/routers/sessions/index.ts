import type { TRPCRouterRecord } from "@trpc/server";
import { sessionDto, sessionPage } from "../../domain/schemas/dto.js";
import { protectedProcedure, publicProcedure, viewerProcedure } from "../../trpc.js";
import { sessionByIdHandler } from "./byId.handler.js";
import { ZSessionByIdInput } from "./byId.schema.js";
import { cancelSessionHandler } from "./cancel.handler.js";
import { ZCancelSessionInput } from "./cancel.schema.js";
import { createSessionHandler } from "./create.handler.js";
import { ZCreateSessionInput } from "./create.schema.js";
import { listSessionsHandler } from "./list.handler.js";
import { ZListSessionsInput } from "./list.schema.js";
import { liveSessionsHandler } from "./live.handler.js";
import { ZLiveSessionsInput } from "./live.schema.js";
import { updateSessionHandler } from "./update.handler.js";
import { ZUpdateSessionInput } from "./update.schema.js";

export const sessionsRouter = {
  list: viewerProcedure.input(ZListSessionsInput).output(sessionPage).query(listSessionsHandler),
  byId: viewerProcedure.input(ZSessionByIdInput).output(sessionDto).query(sessionByIdHandler),
  create: protectedProcedure.input(ZCreateSessionInput).output(sessionDto).mutation(createSessionHandler),
  update: protectedProcedure.input(ZUpdateSessionInput).output(sessionDto).mutation(updateSessionHandler),
  cancel: protectedProcedure.input(ZCancelSessionInput).output(sessionDto).mutation(cancelSessionHandler),
  /** Live seats over SSE: public data, so a token is neither needed nor checked (it may be sent). */
  live: publicProcedure.input(ZLiveSessionsInput).subscription(liveSessionsHandler),
} satisfies TRPCRouterRecord;
