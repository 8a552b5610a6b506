import * as z from "zod";
import { uuid } from "../../domain/schemas/inputs.js";
import { sessionFields } from "./create.schema.js";

export const ZUpdateSessionInput = z
  .object({ id: uuid, ...z.object(sessionFields).partial().shape })
  .strict()
  .refine((input) => Object.keys(input).length > 1, { message: "Give at least one field to change" });
export type UpdateSessionInput = z.infer<typeof ZUpdateSessionInput>;
