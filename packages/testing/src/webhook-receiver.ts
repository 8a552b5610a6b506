import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A real webhook receiver on 127.0.0.1: records every request, tracks deliveries in
// flight per task id (two at once for one id is the bug we look for), can be slow, and
// can be told to fail the next N requests.

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  taskId: string;
}

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** Task ids that arrived while a delivery of the same id was still in flight. */
  overlaps: string[];
  /** Most requests in flight at once (any ids). */
  peakInFlight: number;
  inFlight: Map<string, number>;
  failNext(count: number, status?: number, headers?: Record<string, string>): void;
  delayMs: number;
  /** Answers nothing until the returned release is called: "still in flight" without a clock. */
  hold(): () => void;
  reset(): void;
  close(): Promise<void>;
}

async function listenOn(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

export async function startReceiver(): Promise<Receiver> {
  let failures: { count: number; status: number; headers: Record<string, string> } = {
    count: 0,
    status: 500,
    headers: {},
  };
  let inFlightTotal = 0;
  let held: Promise<void> | undefined;
  let releaseHeld = () => {};
  const state = {
    requests: [] as Received[],
    overlaps: [] as string[],
    inFlight: new Map<string, number>(),
    peakInFlight: 0,
    delayMs: 0,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const taskId = String(req.headers["x-s3ssions-delivery"] ?? "");
      const already = state.inFlight.get(taskId) ?? 0;
      if (already > 0) state.overlaps.push(taskId);
      state.inFlight.set(taskId, already + 1);
      inFlightTotal += 1;
      state.peakInFlight = Math.max(state.peakInFlight, inFlightTotal);
      state.requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        taskId,
      });
      if (state.delayMs > 0) await sleep(state.delayMs);
      if (held) await held;
      inFlightTotal -= 1;
      state.inFlight.set(taskId, (state.inFlight.get(taskId) ?? 1) - 1);
      if (failures.count > 0) {
        failures.count -= 1;
        res.writeHead(failures.status, failures.headers).end("nope");
      } else {
        res.writeHead(204).end();
      }
    });
  });
  const port = await listenOn(server);
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/hooks/s3ssions?source=test`,
    port,
    failNext(count: number, status = 500, headers: Record<string, string> = {}) {
      failures = { count, status, headers };
    },
    hold() {
      held = new Promise<void>((resolve) => {
        releaseHeld = () => {
          held = undefined;
          resolve();
        };
      });
      return releaseHeld;
    },
    reset() {
      releaseHeld();
      state.requests.length = 0;
      state.overlaps.length = 0;
      state.inFlight.clear();
      state.peakInFlight = 0;
      state.delayMs = 0;
      failures = { count: 0, status: 500, headers: {} };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
