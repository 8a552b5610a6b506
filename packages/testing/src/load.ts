import { randomUUID } from "node:crypto";
import { signHs256 } from "./tokens.js";

/**
 * A closed-loop load of real HTTP requests against running API processes: each client
 * sends one request, waits for the answer, sends the next. Used by the fault tests, the
 * load test and `pnpm bench:load`. Requests go over plain fetch so that every HTTP
 * status is seen as the caller sees it.
 */

export const LOAD_PROCEDURES = [
  "sessions.list",
  "sessions.byId",
  "bookings.create",
  "bookings.cancel",
  "bookings.mine",
] as const;
export type LoadProcedure = (typeof LOAD_PROCEDURES)[number];

export const DEFAULT_MIX: Record<LoadProcedure, number> = {
  "sessions.list": 20,
  "sessions.byId": 20,
  "bookings.create": 35,
  "bookings.cancel": 10,
  "bookings.mine": 15,
};

export interface TrpcAnswer {
  status: number;
  text: string;
  json: unknown;
  ms: number;
}

/** One tRPC call (superjson wire format) over fetch. Status 0: no HTTP answer at all. */
export async function callTrpc(
  baseUrl: string,
  kind: "query" | "mutation",
  procedure: string,
  input: unknown,
  token?: string,
  timeoutMs = 60_000,
): Promise<TrpcAnswer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const started = performance.now();
  try {
    const response =
      kind === "query"
        ? await fetch(`${baseUrl}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
            headers,
            signal: AbortSignal.timeout(timeoutMs),
          })
        : await fetch(`${baseUrl}/api/trpc/${procedure}`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: JSON.stringify({ json: input }),
            signal: AbortSignal.timeout(timeoutMs),
          });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json, ms: performance.now() - started };
  } catch (error) {
    return {
      status: 0,
      text:
        error instanceof Error
          ? `${error.name}: ${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`
          : String(error),
      json: undefined,
      ms: performance.now() - started,
    };
  }
}

/** `result.data.json` of a successful answer. */
export function trpcData<T = Record<string, unknown>>(answer: TrpcAnswer): T | undefined {
  return (answer.json as { result?: { data?: { json?: T } } } | undefined)?.result?.data?.json;
}

/** `error.json` of a failed answer: the typed error a caller sees. */
export function trpcError(answer: TrpcAnswer): { message?: string; data?: { code?: string } } | undefined {
  return (answer.json as { error?: { json?: { message?: string; data?: { code?: string } } } } | undefined)?.error
    ?.json;
}

export interface LoadCall {
  procedure: LoadProcedure;
  status: number;
  /** tRPC error code of a failure (e.g. SERVICE_UNAVAILABLE). */
  code?: string;
  ms: number;
  /** ms since the load started, at the answer. */
  at: number;
  instance: number;
  userId: string;
  /** A booking the answer confirmed (create or cancel answered 200). */
  booking?: { id: string; sessionId: string; status: string };
  /** Body of a non-200 answer, shortened. */
  text?: string;
}

export interface LoadOptions {
  /** API base URLs; client i talks to instances[i % length]. */
  instances: string[];
  /** Concurrent clients (closed loop: one request in flight each). */
  clients: number;
  /** Sessions the bookings go to. */
  sessionIds: string[];
  /** Secret the API verifies HS256 access tokens with. */
  jwtSecret: string;
  /** Distinct users each client acts as, in turn (default 3). */
  usersPerClient?: number;
  /** Stop after this many requests in total... */
  requests?: number;
  /** ...or after this long, whichever comes first (at least one must be set). */
  durationMs?: number;
  /** Past `durationMs`, go on while this holds (a fault not yet over, however slow the machine). */
  extendWhile?: () => boolean;
  mix?: Partial<Record<LoadProcedure, number>>;
  /** Deterministic runs: replaces Math.random. */
  random?: () => number;
  /** Every answer, as it arrives. */
  onCall?: (call: LoadCall) => void;
  /** Per-request timeout (default 60 s). */
  requestTimeoutMs?: number;
}

export interface LoadResult {
  calls: LoadCall[];
  elapsedMs: number;
  /** Every booking some answer reported, with the status of the last 200 about it. */
  bookings: Map<string, { sessionId: string; userId: string; status: string }>;
  userIds: string[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.requests === undefined && options.durationMs === undefined) {
    throw new Error("runLoad needs requests or durationMs");
  }
  const random = options.random ?? Math.random;
  const mix = { ...DEFAULT_MIX, ...options.mix };
  const weights = LOAD_PROCEDURES.map((p) => Math.max(0, mix[p] ?? 0));
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const pickProcedure = (): LoadProcedure => {
    let r = random() * total;
    for (let i = 0; i < LOAD_PROCEDURES.length; i++) {
      r -= weights[i]!;
      if (r < 0) return LOAD_PROCEDURES[i]!;
    }
    return LOAD_PROCEDURES[LOAD_PROCEDURES.length - 1]!;
  };

  const usersPerClient = options.usersPerClient ?? 3;
  const users = await Promise.all(
    Array.from({ length: options.clients * usersPerClient }, async () => {
      const userId = randomUUID();
      return { userId, token: await signHs256(options.jwtSecret, { sub: userId }) };
    }),
  );
  const calls: LoadCall[] = [];
  const bookings: LoadResult["bookings"] = new Map();
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  let issued = 0;
  const more = () =>
    (performance.now() < deadline || options.extendWhile?.() === true) &&
    (options.requests === undefined || issued < options.requests);

  async function client(index: number) {
    const instance = index % options.instances.length;
    const baseUrl = options.instances[instance]!;
    const own = users.slice(index * usersPerClient, (index + 1) * usersPerClient);
    // The bookings this client's users hold as far as their answers said: what they may cancel.
    const active = new Map<string, Map<string, string>>(own.map((u) => [u.userId, new Map()]));
    let turn = 0;
    while (more()) {
      issued++;
      const user = own[turn++ % own.length]!;
      const held = active.get(user.userId)!;
      let procedure = pickProcedure();
      if (procedure === "bookings.cancel" && held.size === 0) procedure = "bookings.create";
      let answer: TrpcAnswer;
      let sessionId: string | undefined;
      switch (procedure) {
        case "sessions.list":
          answer = await callTrpc(baseUrl, "query", procedure, { limit: 20 }, undefined, options.requestTimeoutMs);
          break;
        case "sessions.byId":
          answer = await callTrpc(
            baseUrl,
            "query",
            procedure,
            { id: pick(options.sessionIds) },
            undefined,
            options.requestTimeoutMs,
          );
          break;
        case "bookings.create":
          sessionId = pick(options.sessionIds);
          answer = await callTrpc(baseUrl, "mutation", procedure, { sessionId }, user.token, options.requestTimeoutMs);
          break;
        case "bookings.cancel": {
          const [session, bookingId] = pick([...held.entries()]);
          sessionId = session;
          answer = await callTrpc(
            baseUrl,
            "mutation",
            procedure,
            { id: bookingId },
            user.token,
            options.requestTimeoutMs,
          );
          break;
        }
        case "bookings.mine":
          answer = await callTrpc(baseUrl, "query", procedure, { limit: 20 }, user.token, options.requestTimeoutMs);
          break;
      }
      const call: LoadCall = {
        procedure,
        status: answer.status,
        ms: answer.ms,
        at: performance.now() - started,
        instance,
        userId: user.userId,
      };
      if (answer.status === 200) {
        if (procedure === "bookings.create" || procedure === "bookings.cancel") {
          const data = trpcData<{ id: string; sessionId: string; status: string }>(answer);
          if (data) {
            call.booking = { id: data.id, sessionId: data.sessionId, status: data.status };
            bookings.set(data.id, { sessionId: data.sessionId, userId: user.userId, status: data.status });
            if (data.status === "cancelled") held.delete(data.sessionId);
            else held.set(data.sessionId, data.id);
          }
        }
      } else {
        call.code = trpcError(answer)?.data?.code;
        call.text = answer.text.slice(0, 500);
      }
      calls.push(call);
      options.onCall?.(call);
    }
  }

  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  return { calls, elapsedMs: performance.now() - started, bookings, userIds: users.map((u) => u.userId) };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface ProcedureSummary {
  procedure: string;
  requests: number;
  /** Count per HTTP status (0: no answer). */
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
}

/** Per procedure and in total: counts by status and latency percentiles (ms). */
export function summarizeCalls(calls: LoadCall[]): ProcedureSummary[] {
  const groups = new Map<string, LoadCall[]>();
  for (const call of calls) {
    for (const key of [call.procedure, "all"]) {
      const group = groups.get(key) ?? [];
      group.push(call);
      groups.set(key, group);
    }
  }
  const order = [...LOAD_PROCEDURES, "all"];
  return order
    .filter((name) => groups.has(name))
    .map((procedure) => {
      const group = groups.get(procedure)!;
      const statuses: Record<string, number> = {};
      for (const call of group) statuses[call.status] = (statuses[call.status] ?? 0) + 1;
      const ms = group.map((c) => c.ms).sort((a, b) => a - b);
      return {
        procedure,
        requests: group.length,
        statuses,
        p50: percentile(ms, 50),
        p95: percentile(ms, 95),
        p99: percentile(ms, 99),
      };
    });
}
