import { randomUUID } from "node:crypto";
import { signHs256 } from "@s3ssions/testing";
import superjson from "superjson";
import { expect } from "vitest";
import { JWT_SECRET, sessionInput } from "../support.js";

// Hostile input sent as raw HTTP, so that the status and the exact body bytes are the test's.

export const nested = (depth: number, leaf: string) => `${"[".repeat(depth)}${leaf}${"]".repeat(depth)}`;

/** A superjson-encoded input as the SDK sends it, with `title` replaced by raw JSON text. */
export function createBodyWithTitle(rawTitle: string): string {
  const body = JSON.stringify(superjson.serialize(sessionInput({ title: "TITLE" })));
  return body.replace('"TITLE"', rawTitle);
}

/** A response body in tRPC's superjson-wrapped shapes (the edge's own refusals too). */
export interface Body {
  error?: { json?: { message: string; data: { code: string } } };
  result?: { data: { json: { id: string; title: string } } };
}

export interface Answer {
  status: number;
  text: string;
  body: Body;
}

/** Raw calls to tRPC's endpoint as one signed-in user (a fresh one unless `userId` is given). */
export interface RawTrpc {
  userId: string;
  post(path: string, body: BodyInit, headers?: Record<string, string>): Promise<Answer>;
  get(path: string, input: string): Promise<Answer>;
}

export async function rawTrpc(baseUrl: string, userId: string = randomUUID()): Promise<RawTrpc> {
  const token = await signHs256(JWT_SECRET, { sub: userId });
  const answer = async (response: Response): Promise<Answer> => {
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Body };
  };
  return {
    userId,
    async post(path, body, headers = {}) {
      return answer(
        await fetch(`${baseUrl}/api/trpc/${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
          body,
        }),
      );
    },
    async get(path, input) {
      return answer(
        await fetch(`${baseUrl}/api/trpc/${path}?input=${encodeURIComponent(input)}`, {
          headers: { authorization: `Bearer ${token}` },
        }),
      );
    },
  };
}

/** The edge's own refusal (before tRPC runs), in tRPC's envelope: one error shape for the SDK. */
export function expectEdgeRefusal(result: { status: number; body: Body }, status: number, message: RegExp) {
  expect(result.status).toBe(status);
  expect(result.body.error?.json?.data.code).toBe(status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST");
  expect(result.body.error?.json?.message).toMatch(message);
}

/** tRPC's own error (superjson-shaped). */
export function trpcCode(result: { body: Body }): string | undefined {
  return result.body?.error?.json?.data?.code;
}
