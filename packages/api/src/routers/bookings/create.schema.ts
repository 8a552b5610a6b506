import { z } from "zod";
import { uuid } from "../../domain/input-primitives.js";

export const ZCreateBookingInput = z.object({ sessionId: uuid }).strict();
export type CreateBookingInput = z.infer<typeof ZCreateBookingInput>;
