import type { ProtectedContext } from "../../context.js";
import { commitChange } from "../../domain/changes/commit-change.js";
import { assertNotAnonymous } from "../../domain/rules/guards.js";
import { assertSessionTimes } from "../../domain/rules/session-times.js";
import { toSessionDto } from "../../domain/stores/session-row.js";
import { insertSession } from "../../domain/stores/sessions.js";
import { enforceRateLimit } from "../../rate-limit/index.js";
import type { CreateSessionInput } from "./create.schema.js";

/** A new session hosted by the caller, committed as a change (with its Idempotency-Key's outcome). */
export async function createSessionHandler({ ctx, input }: { ctx: ProtectedContext; input: CreateSessionInput }) {
  assertNotAnonymous(ctx.user, "host sessions");
  await enforceRateLimit(ctx, "sessions.create");
  assertSessionTimes(input, true);
  // The input holds the session's own fields only (a strict schema): it is the row's data.
  return commitChange(ctx, async (tx) => {
    const row = await insertSession(tx, { ...input, hostId: ctx.user.id });
    return { result: toSessionDto(row, true), taskIds: [] }; // the caller is its host
  });
}
