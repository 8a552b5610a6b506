import { z } from "zod";
import { uuid } from "../../domain/input-primitives.js";

export const ZCancelBookingInput = z.object({ id: uuid }).strict();
export type CancelBookingInput = z.infer<typeof ZCancelBookingInput>;
