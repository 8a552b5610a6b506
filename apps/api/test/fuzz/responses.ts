import { TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { expect } from "vitest";

// What the server must answer, whatever the fuzzer sent: below 500, JSON, errors typed, known and clean.

/** Every code of tRPC's table that is the caller's fault (its HTTP status is below 500). */
const KNOWN_CODES: ReadonlySet<string> = new Set(
  (Object.keys(TRPC_ERROR_CODES_BY_KEY) as TRPC_ERROR_CODE_KEY[]).filter(
    (code) => getHTTPStatusCodeFromError(new TRPCError({ code })) < 500,
  ),
);

/** Text no error body may carry: stacks, driver and SQL internals. */
const LEAK =
  /\n\s+at |\bat .+:\d+:\d+|node_modules|prisma|postgres|pg_|PgBouncer|SQLSTATE|\bP\d{4}\b|syntax error|violates|duplicate key|constraint|relation "|column "|SELECT |INSERT INTO|UPDATE "|stack/i;

export interface Sent {
  status: number;
  text: string;
  url: string;
}

export interface ResultData {
  id?: string;
  status?: string;
  nextCursor?: string | null;
}

/** One item of a response (a batch answers an array of them). */
interface ResponseItem {
  result?: { data?: { json?: ResultData } };
  error?: { json?: { message?: string; data: { code?: string; httpStatus: number; stack?: unknown } } };
}

/**
 * Checks a response: below 500, JSON, and every error in it (one, or one per batch item)
 * typed, known and clean. Returns what each item was: the data of a result, or an error's code.
 */
export function checkResponse(sent: Sent): ({ data: ResultData | undefined } | { code: string })[] {
  const where = `${sent.status} ${sent.url.slice(0, 300)}\n${sent.text.slice(0, 600)}`;
  expect(sent.status, where).toBeLessThan(500);
  let parsed: unknown;
  try {
    parsed = JSON.parse(sent.text);
  } catch {
    throw new Error(`response is not JSON: ${where}`);
  }
  const items = (Array.isArray(parsed) ? parsed : [parsed]) as ResponseItem[];
  const outcomes: ({ data: ResultData | undefined } | { code: string })[] = [];
  for (const item of items) {
    if (item.result) {
      outcomes.push({ data: item.result.data?.json });
      continue;
    }
    const error = item.error;
    expect(error, where).toBeTypeOf("object");
    if (!error) continue;
    // One envelope for tRPC's errors and the edge's own: superjson's { error: { json: … } }.
    const code: unknown = error.json?.data?.code;
    const message: unknown = error.json?.message;
    expect(KNOWN_CODES.has(code as string), `unknown code ${String(code)}: ${where}`).toBe(true);
    expect(message, where).toBeTypeOf("string");
    expect(error.json?.data.httpStatus, where).toBeLessThan(500);
    expect(error.json?.data.stack, where).toBeUndefined();
    expect(JSON.stringify(error), where).not.toMatch(LEAK);
    outcomes.push({ code: `${code}` });
  }
  return outcomes;
}
