import * as z from "zod";
import { pageLimit, pagingFields } from "../../domain/schemas/inputs.js";

export const ZMyBookingsInput = z
  .object({
    status: z.enum(["confirmed", "waitlisted", "cancelled"]).optional(),
    ...pagingFields,
    limit: pageLimit,
  })
  .strict()
  .default({ limit: 20 });
export type MyBookingsInput = z.infer<typeof ZMyBookingsInput>;
