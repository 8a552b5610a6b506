import { z } from "zod";
import { cursor, pageLimit } from "../../domain/input-primitives.js";

export const ZMyBookingsInput = z
  .object({
    status: z.enum(["confirmed", "waitlisted", "cancelled"]).optional(),
    cursor: cursor.optional(),
    limit: pageLimit,
  })
  .strict()
  .default({ limit: 20 });
export type MyBookingsInput = z.infer<typeof ZMyBookingsInput>;
