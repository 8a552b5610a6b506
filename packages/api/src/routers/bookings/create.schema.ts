import * as z from "zod";
import { uuid } from "../../domain/schemas/inputs.js";

export const ZCreateBookingInput = z.object({ sessionId: uuid }).strict();
export type CreateBookingInput = z.infer<typeof ZCreateBookingInput>;
