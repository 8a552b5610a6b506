import { type ApiRuntime, appRouter } from "@s3ssions/api";
import { getErrorShape, TRPCError, transformTRPCResponse } from "@trpc/server";
import { TRPC_ENDPOINT } from "./trpc-endpoint.js";

type Procedure = { _def: { type?: string; inputs?: { safeParseAsync?: (input: unknown) => Promise<ParseResult> }[] } };
type ParseResult = { success: true } | { success: false; error: unknown };

const procedures = appRouter._def.procedures as unknown as Record<string, Procedure | undefined>;

/** The subscription a tRPC URL names (`/api/trpc/sessions.live`), or undefined. */
export function subscriptionOf(request: Request): string | undefined {
  const path = new URL(request.url).pathname.slice(TRPC_ENDPOINT.length + 1);
  return Object.hasOwn(procedures, path) && procedures[path]?._def.type === "subscription" ? path : undefined;
}

/**
 * A subscription's input, checked before its stream opens: tRPC itself would answer 200
 * and put the validation error inside the stream, which an EventSource cannot tell from a
 * broken connection (it would retry forever). The input is read as tRPC reads it (the
 * `input` query parameter, superjson, `Last-Event-ID` merged in as `lastEventId`) and
 * checked with the procedure's own schema; a bad one gets tRPC's error envelope with 400.
 */
export async function refuseBadSubscriptionInput(
  runtime: ApiRuntime,
  request: Request,
  path: string,
  requestId: string,
): Promise<Response | undefined> {
  const schema = procedures[path]?._def.inputs?.[0];
  if (!schema?.safeParseAsync) return undefined;
  const url = new URL(request.url);
  const config = appRouter._def._config;
  let cause: unknown;
  try {
    const raw = url.searchParams.get("input");
    let input: unknown = raw ? config.transformer.input.deserialize(JSON.parse(raw)) : undefined;
    const lastEventId =
      request.headers.get("last-event-id") ??
      url.searchParams.get("lastEventId") ??
      url.searchParams.get("Last-Event-Id");
    if (lastEventId)
      input = typeof input === "object" && input !== null ? { ...input, lastEventId } : (input ?? { lastEventId });
    const result = await schema.safeParseAsync(input);
    if (result.success) return undefined;
    cause = result.error;
  } catch (error) {
    cause = error;
  }
  const error = new TRPCError({ code: "BAD_REQUEST", message: "Invalid input", cause });
  const shape = getErrorShape({
    config,
    error,
    type: "subscription",
    path,
    input: undefined,
    ctx: { env: runtime.env, requestId } as never,
  });
  return new Response(JSON.stringify(transformTRPCResponse(config, { error: shape })), {
    status: 400,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}
