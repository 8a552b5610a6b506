import * as z from "zod";
import { uuid } from "../../domain/schemas/inputs.js";

export const ZCancelBookingInput = z.object({ id: uuid }).strict();
export type CancelBookingInput = z.infer<typeof ZCancelBookingInput>;
