import * as z from "zod";
import { ENDS_AFTER_START, endsAfterStart } from "../../domain/rules/session-times.js";
import { dateInput, httpsUrl, safeText, timezone } from "../../domain/schemas/inputs.js";

/** The fields a host sets; `update` takes any subset of them. */
export const sessionFields = {
  title: safeText(200, 1),
  description: safeText(5000).nullish(),
  startsAt: dateInput,
  endsAt: dateInput,
  timezone,
  capacity: z.number().int().min(1).max(10_000),
  location: safeText(500).nullish(),
  onlineUrl: httpsUrl.nullish(),
};

export const ZCreateSessionInput = z
  .object(sessionFields)
  .strict()
  .refine(endsAfterStart, { message: ENDS_AFTER_START, path: ["endsAt"] });
export type CreateSessionInput = z.infer<typeof ZCreateSessionInput>;
