import * as z from "zod";
import { dateInput, pageLimit, pagingFields, uuid } from "../../domain/schemas/inputs.js";

export const ZListSessionsInput = z
  .object({
    /** Sessions starting at or after this instant; defaults to now (upcoming only). */
    from: dateInput.optional(),
    /** Sessions starting before this instant. */
    to: dateInput.optional(),
    hostId: uuid.optional(),
    includeCancelled: z.boolean().default(false),
    ...pagingFields,
    limit: pageLimit,
  })
  .strict()
  .default({ includeCancelled: false, limit: 20 })
  .refine((input) => !input.from || !input.to || input.from < input.to, {
    message: "from must be before to",
    path: ["to"],
  });
export type ListSessionsInput = z.infer<typeof ZListSessionsInput>;
