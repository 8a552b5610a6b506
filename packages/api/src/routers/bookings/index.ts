import type { TRPCRouterRecord } from "@trpc/server";
import { bookingDto, bookingPage } from "../../domain/schemas/dto.js";
import { protectedProcedure } from "../../trpc.js";
import { cancelBookingHandler } from "./cancel.handler.js";
import { ZCancelBookingInput } from "./cancel.schema.js";
import { createBookingHandler } from "./create.handler.js";
import { ZCreateBookingInput } from "./create.schema.js";
import { myBookingsHandler } from "./mine.handler.js";
import { ZMyBookingsInput } from "./mine.schema.js";

export const bookingsRouter = {
  create: protectedProcedure.input(ZCreateBookingInput).output(bookingDto).mutation(createBookingHandler),
  cancel: protectedProcedure.input(ZCancelBookingInput).output(bookingDto).mutation(cancelBookingHandler),
  mine: protectedProcedure.input(ZMyBookingsInput).output(bookingPage).query(myBookingsHandler),
} satisfies TRPCRouterRecord;
