import * as z from "zod";
import { uuid } from "../../domain/schemas/inputs.js";

export const ZCancelSessionInput = z.object({ id: uuid }).strict();
export type CancelSessionInput = z.infer<typeof ZCancelSessionInput>;
