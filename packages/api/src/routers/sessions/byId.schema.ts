import * as z from "zod";
import { uuid } from "../../domain/schemas/inputs.js";

export const ZSessionByIdInput = z.object({ id: uuid }).strict();
export type SessionByIdInput = z.infer<typeof ZSessionByIdInput>;
