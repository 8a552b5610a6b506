import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";

/**
 * A TCP proxy in front of several API instances, as a load balancer is: each new
 * connection goes to the current target. Tests switch the target, count the connections
 * each target got, and drop every open connection at once (a network change).
 */
export interface SwitchProxy {
  url: string;
  target: string;
  /** Connections each target port has received. */
  connections: Map<string, number>;
  /** Resolves at the next connection to `target` (or at once if `since` is below its count). */
  connectedTo(target: string, since: number): Promise<void>;
  dropAll(): void;
  close(): Promise<void>;
}

export async function startSwitchProxy(initialTarget: string): Promise<SwitchProxy> {
  const open = new Set<Socket>();
  const connections = new Map<string, number>();
  const waiters = new Set<() => void>();
  const proxy: SwitchProxy = {
    url: "",
    target: initialTarget,
    connections,
    connectedTo(target, since) {
      return new Promise((resolve) => {
        const check = () => {
          if ((connections.get(target) ?? 0) > since) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
    dropAll() {
      for (const socket of open) socket.destroy();
    },
    async close() {
      proxy.dropAll();
      server.close();
      await once(server, "close");
    },
  };
  const server = createServer((client) => {
    const target = proxy.target;
    const url = new URL(target);
    const upstream = connect(Number(url.port), url.hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side gone: the other goes too (a killed instance is a dropped connection).
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    connections.set(target, (connections.get(target) ?? 0) + 1);
    for (const waiter of [...waiters]) waiter();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
