import { createApiRuntime, parseEnv } from "@s3ssions/api";
import { createDatabase, type Database } from "@s3ssions/db";
import { createTestDatabase, ensurePgBouncer, signHs256, type TestDatabase } from "@s3ssions/testing";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetchHandler } from "../../src/fetch-handler.js";
import { MAX_BODY_BYTES } from "../../src/http-limits.js";
import { guardTrpcRequest } from "../../src/json-guard.js";
import { JWT_SECRET, sessionInput } from "../support.js";

// Bodies as the Vercel function receives them (a web Request, chunked, no Node server in
// front): capped while read, handed on as the same text.

let tdb: TestDatabase;

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("hostile_handler");
});
afterAll(() => tdb?.drop());

describe("the web handler itself (the Vercel function path, no Node server in front)", () => {
  let db: Database;
  let handle: (request: Request) => Promise<Response>;

  beforeAll(() => {
    const env = parseEnv({
      APP_ENV: "test",
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
      SUPABASE_JWT_SECRET: JWT_SECRET,
    });
    db = createDatabase({ url: env.SUPABASE_DB_URL_TRANSACTION });
    handle = createFetchHandler(createApiRuntime({ env, db, logger: { log: () => {} }, waitUntil: () => {} }));
  });
  afterAll(() => db?.close());

  /** A chunked body (no content-length) of `total` bytes; counts what the handler pulled. */
  function stream(total: number, chunk = 64 * 1024) {
    const state = { pulled: 0 };
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.pulled >= total) return controller.close();
        const size = Math.min(chunk, total - state.pulled);
        state.pulled += size;
        controller.enqueue(new Uint8Array(size).fill(0x20));
      },
    });
    return { body, state };
  }

  it("caps a chunked body while reading it: 413, and stops pulling", async () => {
    const { body, state } = stream(8 * MAX_BODY_BYTES);
    const request = new Request("http://localhost/api/trpc/sessions.create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    const response = await handle(request);
    expect(response.status).toBe(413);
    expect((await response.json()).error.json.data.code).toBe("PAYLOAD_TOO_LARGE");
    expect(state.pulled).toBeLessThanOrEqual(MAX_BODY_BYTES + 2 * 64 * 1024);
  });

  it("a chunked body within the cap reaches tRPC with the same text, split characters and all", async () => {
    const text = JSON.stringify(superjson.serialize(sessionInput({ title: "Crème brûlée 😀" })));
    const bytes = new TextEncoder().encode(text);
    const split = bytes.indexOf(0xc3) + 1; // inside the two bytes of "è"
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const request = new Request("http://localhost/api/trpc/sessions.create", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await signHs256(JWT_SECRET)}` },
      body,
      duplex: "half",
    } as RequestInit);
    const response = await handle(request);
    expect(response.status).toBe(200);
    expect((await response.json()).result.data.json.title).toBe("Crème brûlée 😀");
  });

  it("guardTrpcRequest leaves a clean GET alone and hands on a body as the same text", async () => {
    const getRequest = new Request("http://localhost/api/trpc/health.check");
    expect(await guardTrpcRequest(getRequest, { maxBodyBytes: 10 })).toEqual({ ok: true, request: getRequest });
    const result = await guardTrpcRequest(
      new Request("http://localhost/api/trpc/x", {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "9", "x-keep": "1" },
        body: '{"a":"é"}',
      }),
      { maxBodyBytes: 100 },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(await result.request.text()).toBe('{"a":"é"}');
    expect(await result.request.json()).toEqual({ a: "é" });
    expect(result.request.headers.get("x-keep")).toBe("1");
    expect(result.request.method).toBe("POST");
    expect(result.request.url).toBe("http://localhost/api/trpc/x");
    // Asked for as a stream or a form, it is a full Request with the same text and no stale framing.
    expect(result.request.clone().headers.get("content-length")).toBeNull();
    expect(await new Response(result.request.body).text()).toBe('{"a":"é"}');
  });
});
