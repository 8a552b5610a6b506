import { z } from "zod";
import { uuid } from "../../domain/input-primitives.js";

export const ZSessionByIdInput = z.object({ id: uuid }).strict();
export type SessionByIdInput = z.infer<typeof ZSessionByIdInput>;
