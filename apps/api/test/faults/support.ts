import { randomUUID } from "node:crypto";
import { signHs256 } from "@s3ssions/testing";
import { JWT_SECRET, sessionInput } from "../support.js";

export { JWT_SECRET, sessionInput };

/** One tRPC call over plain fetch, so that the HTTP status and the raw body are visible. */
export async function trpc(
  baseUrl: string,
  kind: "query" | "mutation",
  procedure: string,
  input: unknown,
  token?: string,
): Promise<{ status: number; text: string; body: TrpcBody; ms: number }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const started = performance.now();
  const response =
    kind === "query"
      ? await fetch(`${baseUrl}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
          headers,
        })
      : await fetch(`${baseUrl}/api/trpc/${procedure}`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ json: input }),
        });
  const text = await response.text();
  let body: TrpcBody;
  try {
    body = JSON.parse(text) as TrpcBody;
  } catch {
    body = {};
  }
  return { status: response.status, text, body, ms: performance.now() - started };
}

export interface TrpcBody {
  result?: { data?: { json?: Record<string, unknown> } };
  error?: { json?: { message?: string; code?: number; data?: { code?: string; httpStatus?: number } } };
}

export async function userToken(userId: string = randomUUID()): Promise<{ userId: string; token: string }> {
  return { userId, token: await signHs256(JWT_SECRET, { sub: userId }) };
}

/** Anything a failed response must never show a caller. */
export const INTERNALS = /57014|SQLSTATE|postgres(ql)?:|pg_|FOR UPDATE|SELECT|prisma|stack|\.ts:|\.js:|node_modules/i;
