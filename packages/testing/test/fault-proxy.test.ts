import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fault, type FaultProxy, seededFaultPlan, seededRandom, startFaultProxy } from "../src/fault-proxy.js";

// The fault proxy in front of a tiny HTTP server that counts the requests it handled: each
// fault is seen as a client sees it, and the count says whether the server got the request.

let handled = 0;
let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      handled++;
      response.end("x".repeat(64 * 1024)); // more than one chunk: a reset lands mid-answer
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** One POST on a connection of its own: the answer's length, or the error's code. */
function post(proxy: FaultProxy): Promise<{ bytes: number } | { error: string }> {
  return new Promise((resolve) => {
    const request = http.request(
      { host: "127.0.0.1", port: proxy.port, method: "POST", path: "/", agent: false },
      (response) => {
        let bytes = 0;
        response.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
        });
        response.on("end", () => resolve({ bytes }));
        response.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    request.end("hello");
  });
}

async function withProxy(fault: Fault | null, test: (proxy: FaultProxy) => Promise<void>): Promise<void> {
  const proxy = await startFaultProxy({ target: { host: "127.0.0.1", port }, plan: () => fault });
  try {
    await test(proxy);
  } finally {
    await proxy.close();
  }
}

describe("fault proxy", () => {
  it("no fault: the answer comes back whole", async () => {
    await withProxy(null, async (proxy) => {
      const before = handled;
      expect(await post(proxy)).toEqual({ bytes: 64 * 1024 });
      expect(handled - before).toBe(1);
      expect(proxy.stats.connections).toBe(1);
    });
  });

  it("lose-response: the server handled the request, the client gets no answer", async () => {
    await withProxy({ kind: "lose-response" }, async (proxy) => {
      const before = handled;
      expect(await post(proxy)).toHaveProperty("error");
      expect(handled - before).toBe(1);
      expect(proxy.stats.fired["lose-response"]).toBe(1);
    });
  });

  it("reset-mid-response: handled, part of the answer, then ECONNRESET", async () => {
    await withProxy({ kind: "reset-mid-response" }, async (proxy) => {
      const before = handled;
      expect(await post(proxy)).toEqual({ error: "ECONNRESET" });
      expect(handled - before).toBe(1);
      expect(proxy.stats.fired["reset-mid-response"]).toBe(1);
    });
  });

  it("refuse and blackhole: the server never sees the request", async () => {
    for (const fault of [{ kind: "refuse" }, { kind: "blackhole", ms: 100 }] as const) {
      await withProxy(fault, async (proxy) => {
        const before = handled;
        expect(await post(proxy)).toHaveProperty("error");
        expect(handled - before).toBe(0);
        expect(proxy.stats.fired[fault.kind]).toBe(1);
      });
    }
  });

  it("delay: the answer comes, at least that much later", async () => {
    await withProxy({ kind: "delay", ms: 150 }, async (proxy) => {
      const started = performance.now();
      expect(await post(proxy)).toEqual({ bytes: 64 * 1024 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    });
  });

  it("faults by connection index; setPlan changes them for the next connections", async () => {
    const proxy = await startFaultProxy({
      target: { host: "127.0.0.1", port },
      plan: (index) => (index === 1 ? { kind: "refuse" } : null),
    });
    try {
      const answers = [await post(proxy), await post(proxy), await post(proxy)];
      expect(answers.map((a) => "bytes" in a)).toEqual([true, false, true]);
      proxy.setPlan(() => ({ kind: "refuse" }));
      expect(await post(proxy)).toHaveProperty("error");
      expect(proxy.stats).toMatchObject({ connections: 4, fired: { refuse: 2 } });
    } finally {
      await proxy.close();
    }
  });

  it("a seeded plan is the same for the same seed, whatever the order, and faulty at about its rate", () => {
    const faults: Fault[] = [{ kind: "refuse" }, { kind: "lose-response" }];
    const a = seededFaultPlan({ seed: 7, rate: 0.2, faults });
    const b = seededFaultPlan({ seed: 7, rate: 0.2, faults });
    const indices = Array.from({ length: 1000 }, (_, i) => i);
    const forward = indices.map(a);
    expect([...indices].reverse().map(b).reverse()).toEqual(forward);
    const faulty = forward.filter(Boolean).length;
    expect(faulty).toBeGreaterThan(150);
    expect(faulty).toBeLessThan(250);
    expect(new Set(forward.filter(Boolean).map((f) => f?.kind))).toEqual(new Set(["refuse", "lose-response"]));
    expect(seededRandom(1, 0)).not.toBe(seededRandom(2, 0));
  });
});
