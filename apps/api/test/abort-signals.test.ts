import { randomUUID } from "node:crypto";
import { createApiRuntime, parseEnv } from "@s3ssions/api";
import { createDatabase, type Database } from "@s3ssions/db";
import { createTestDatabase, ensurePgBouncer, sessionInput, signHs256, type TestDatabase } from "@s3ssions/testing";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createFetchHandler } from "../src/fetch-handler.js";
import { JWT_SECRET } from "./support.js";
import { liveUrl } from "./live/sse.js";

// tRPC ties each call to its request's abort signal by combining signals. Node's
// AbortSignal.any does that with WeakRefs and FinalizationRegistry entries, which V8's
// young-generation collections treat as strong: every request's objects were promoted to
// the old space (2 KB a sessions.list under load) and the RSS grew with it. Our patch of
// @trpc/server (patches/README.md) makes tRPC combine them with listeners instead. These
// tests hold both halves: no AbortSignal.any on the way, and the abort still arrives.

let tdb: TestDatabase;
let db: Database;
let runtime: ReturnType<typeof createApiRuntime>;
let handle: (request: Request) => Promise<Response>;

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("abort_signals");
  const env = parseEnv({
    APP_ENV: "test",
    SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
    SUPABASE_JWT_SECRET: JWT_SECRET,
    LIVE_POLL_MS: "50",
    LIVE_PING_MS: "100",
  });
  db = createDatabase({ url: env.SUPABASE_DB_URL_TRANSACTION });
  runtime = createApiRuntime({ env, db, logger: { log: () => {} }, waitUntil: () => {} });
  handle = createFetchHandler(runtime);
});
afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

const bearer = async (userId: string) => ({ authorization: `Bearer ${await signHs256(JWT_SECRET, { sub: userId })}` });

async function createSession(userId: string): Promise<string> {
  const response = await handle(
    new Request("http://localhost/api/trpc/sessions.create", {
      method: "POST",
      headers: { "content-type": "application/json", ...(await bearer(userId)) },
      body: JSON.stringify(superjson.serialize(sessionInput())),
    }),
  );
  expect(response.status).toBe(200);
  return superjson.deserialize<{ id: string }>((await response.json()).result.data).id;
}

describe("a tRPC request's abort signals", () => {
  it("are combined without Node's AbortSignal.any: a query, a batch and a mutation", async () => {
    const any = vi.spyOn(AbortSignal, "any");
    try {
      const host = randomUUID();
      const sessionId = await createSession(host);
      const list = await handle(new Request("http://localhost/api/trpc/sessions.list"));
      expect(list.status).toBe(200);
      const input = encodeURIComponent(
        JSON.stringify({ 0: superjson.serialize({ id: sessionId }), 1: superjson.serialize({}) }),
      );
      const batch = await handle(
        new Request(`http://localhost/api/trpc/sessions.byId,bookings.mine?batch=1&input=${input}`, {
          headers: await bearer(randomUUID()),
        }),
      );
      expect(batch.status).toBe(200);
      expect(any).not.toHaveBeenCalled();
    } finally {
      any.mockRestore();
    }
  });

  it("still reach the procedure: a client that goes away ends its live subscription", async () => {
    const sessionId = await createSession(randomUUID());
    const client = new AbortController();
    const response = await handle(
      new Request(liveUrl("http://localhost", { ids: [sessionId] }), {
        headers: { accept: "text/event-stream" },
        signal: client.signal,
      }),
    );
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("event: ping") && !text.includes("data:")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    await vi.waitFor(() => expect(runtime.live.subscribers).toBe(1));

    client.abort();
    await vi.waitFor(() => expect(runtime.live.subscribers).toBe(0), { timeout: 2_000 });
    await reader.cancel().catch(() => {});
  });
});
