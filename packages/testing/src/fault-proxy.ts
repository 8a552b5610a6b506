import { once } from "node:events";
import net from "node:net";

/**
 * A TCP proxy with faults chosen per connection, for tests: between a client and the API
 * (a response lost after the server committed), or between the API and PgBouncer (a
 * connection that dies mid-transaction, or at COMMIT). The kernel here has no `tc netem`;
 * this is the userspace stand-in. A fault acts on what the server sends back: it fires
 * when the server's `afterChunks`+1-th chunk arrives (the first by default, i.e. as the
 * first response starts), so on a reused connection (a pool's) it can hit a later query.
 */
export type Fault =
  /** Open the upstream connection `ms` late (the client's bytes wait, then flow). */
  | { kind: "delay"; ms: number }
  /** The request reaches the server; its answer never reaches the client, whose socket is closed. */
  | { kind: "lose-response"; afterChunks?: number }
  /** Part of the answer reaches the client, then a TCP RST. */
  | { kind: "reset-mid-response"; afterChunks?: number }
  /** Accepted and reset at once: the server never sees it. */
  | { kind: "refuse" }
  /** Accepted and read, nothing sent back for `ms`; then closed. The server never sees it. */
  | { kind: "blackhole"; ms: number };

export type FaultKind = Fault["kind"];

/** Which fault (or none) the `index`-th connection gets, counting from 0. */
export type FaultPlan = (connectionIndex: number) => Fault | null;

export interface FaultProxyStats {
  /** Connections accepted. */
  connections: number;
  /** Faults that fired, by kind (a fault waiting for a chunk that never came did not). */
  fired: Record<FaultKind, number>;
  /** Idle connections closed (`closeIdlePgAfterMs`). */
  recycled: number;
}

export interface FaultProxy {
  port: number;
  /** `host:port` of the proxy, for a URL. */
  address: string;
  stats: FaultProxyStats;
  /** Replaces the plan for connections from now on. */
  setPlan(plan: FaultPlan): void;
  /** Destroys every open connection (both sides). */
  dropAll(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  target: { host: string; port: number };
  plan?: FaultPlan;
  /** Listen port (0: any free one). */
  port?: number;
  /**
   * For a Postgres/PgBouncer target: close a connection that has sat idle (outside a
   * transaction, the server's last message ReadyForQuery 'I', nothing sent since) this
   * long, as a pooler recycles client connections. A pool's connection is otherwise
   * reused for ever, and per-connection faults would stop once every pool holds a good one.
   */
  closeIdlePgAfterMs?: number;
}

const NO_FAULT: FaultPlan = () => null;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let plan = options.plan ?? NO_FAULT;
  const stats: FaultProxyStats = {
    connections: 0,
    fired: { delay: 0, "lose-response": 0, "reset-mid-response": 0, refuse: 0, blackhole: 0 },
    recycled: 0,
  };
  const open = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    // A reset or a closed peer is what these tests make happen: never an unhandled error.
    socket.on("error", () => {});
    return socket;
  };

  const server = net.createServer((client) => {
    track(client);
    const fault = plan(stats.connections++);
    const fire = (kind: FaultKind) => stats.fired[kind]++;
    if (fault?.kind === "refuse") {
      fire("refuse");
      client.resetAndDestroy();
      return;
    }
    if (fault?.kind === "blackhole") {
      fire("blackhole");
      client.resume(); // read and discard
      setTimeout(() => client.destroy(), fault.ms).unref();
      return;
    }
    // Until the upstream is open, the client's bytes wait in its socket.
    client.pause();
    const connect = () => {
      if (client.destroyed) return;
      const upstream = track(net.connect(options.target.port, options.target.host));
      upstream.on("connect", () => {
        client.pipe(upstream);
        client.resume();
      });
      const idle =
        options.closeIdlePgAfterMs === undefined
          ? undefined
          : pgIdleWatch(client, upstream, options.closeIdlePgAfterMs, () => stats.recycled++);
      let chunks = 0;
      upstream.on("data", (chunk: Buffer) => {
        idle?.serverSent(chunk);
        const acting =
          (fault?.kind === "lose-response" || fault?.kind === "reset-mid-response") &&
          chunks++ === (fault.afterChunks ?? 0);
        if (!acting) {
          if (!client.destroyed) client.write(chunk);
          return;
        }
        fire(fault.kind);
        upstream.removeAllListeners("data");
        if (fault.kind === "lose-response") {
          client.destroy();
        } else {
          client.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)), () => client.resetAndDestroy());
        }
        upstream.destroy();
      });
      upstream.on("end", () => client.end());
      upstream.on("close", () => client.destroy());
      client.on("close", () => upstream.destroy());
    };
    if (fault?.kind === "delay") {
      fire("delay");
      setTimeout(connect, fault.ms).unref();
    } else {
      connect();
    }
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  const dropAll = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port,
    address: `127.0.0.1:${port}`,
    stats,
    setPlan(next) {
      plan = next;
    },
    dropAll,
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Follows the server's messages (type byte, int32 length) to see when the connection is
 * idle outside a transaction, and closes both sides after `ms` of that.
 */
function pgIdleWatch(client: net.Socket, upstream: net.Socket, ms: number, onClose: () => void) {
  let pending: Buffer = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  client.on("data", stop);
  client.on("close", stop);
  return {
    serverSent(chunk: Buffer) {
      stop();
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let idle = false;
      while (pending.length >= 5) {
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) break;
        idle = pending[0] === 0x5a && pending[5] === 0x49; // 'Z', status 'I'
        pending = pending.subarray(1 + length);
      }
      if (idle && pending.length === 0) {
        timer = setTimeout(() => {
          onClose();
          client.end();
          upstream.end();
        }, ms);
        timer.unref();
      }
    },
  };
}

/** A deterministic random number in [0, 1) for (seed, index): mulberry32 over both. */
export function seededRandom(seed: number, index: number): number {
  let t = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  t = (t + 0x6d2b79f5) >>> 0;
  let r = Math.imul(t ^ (t >>> 15), 1 | t);
  r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
  return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
}

/**
 * A plan where each connection is faulty with probability `rate`, its fault drawn from
 * `faults` (a function gets a second random number, e.g. to pick `afterChunks`). The same
 * seed gives the same plan, whatever order the connections are drawn in.
 */
export function seededFaultPlan(options: {
  seed: number;
  rate: number;
  faults: readonly Fault[] | ((random: number) => Fault);
}): FaultPlan {
  const { seed, rate, faults } = options;
  return (index) => {
    if (seededRandom(seed, index * 2) >= rate) return null;
    const pick = seededRandom(seed, index * 2 + 1);
    if (typeof faults === "function") return faults(pick);
    return faults[Math.floor(pick * faults.length)] ?? null;
  };
}
