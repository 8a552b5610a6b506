import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { promisify } from "node:util";
import { REPO_ROOT } from "./paths.js";
import { POSTGRES_HOST, pgbouncerAdmin } from "./pgbouncer.js";

const run = promisify(execFile);

/** A TCP port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, POSTGRES_HOST, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PrivatePgBouncerOptions {
  /** Server connections per database/user pair (default 4). */
  poolSize?: number;
  /** The Postgres it pools (default 5432, the shared one). */
  upstreamPort?: number;
  /** Password PgBouncer logs in to the upstream with (user postgres), for a server that wants one. */
  upstreamPassword?: string;
  /** Clients must connect over TLS with this certificate (PgBouncer's `client_tls_sslmode = require`). */
  clientTls?: { certFile: string; keyFile: string };
}

/**
 * A PgBouncer of one's own (same config as the shared 6543 one, transaction mode) on a free
 * port, for tests that KILL, PAUSE or restart things: the shared pooler is never touched.
 */
export interface PrivatePgBouncer {
  port: number;
  poolSize: number;
  /** A pooled URL for `database`, Prisma-style parameters included. */
  url(database: string, params?: Record<string, string | number | boolean>): string;
  /** A command on this instance's admin console (`KILL db`, `RESUME db`, `SHOW POOLS`, …). */
  admin(command: string): Promise<Record<string, unknown>[]>;
  /** The PgBouncer's log so far. */
  log(): Promise<string>;
  /** Stops this instance (its own pid, immediate shutdown) and removes its run directory. */
  stop(): Promise<void>;
}

export async function startPrivatePgBouncer(options: PrivatePgBouncerOptions = {}): Promise<PrivatePgBouncer> {
  const poolSize = options.poolSize ?? 4;
  const port = await freePort();
  const rundir = `/tmp/s3ssions-pgbouncer-${port}`;
  const args = [`${REPO_ROOT}.ci/pgbouncer/start.sh`, String(port), String(poolSize)];
  if (options.upstreamPort !== undefined || options.upstreamPassword !== undefined) {
    args.push(String(options.upstreamPort ?? 5432));
    if (options.upstreamPassword !== undefined) args.push(options.upstreamPassword);
  }
  const tls = options.clientTls
    ? { PGBOUNCER_TLS_CERT: options.clientTls.certFile, PGBOUNCER_TLS_KEY: options.clientTls.keyFile }
    : {};
  const { stdout } = await run("bash", args, { env: { ...process.env, PGBOUNCER_RUNDIR: rundir, ...tls } });
  if (/already listening/.test(stdout)) {
    throw new Error(`port ${port} was taken before PgBouncer could start there; try again`);
  }
  const pid = Number((await readFile(`${rundir}/pgbouncer.pid`, "utf8")).trim());
  let stopped: Promise<void> | undefined;
  return {
    port,
    poolSize,
    url(database, params = { pgbouncer: true, connection_limit: 1 }) {
      const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
      return `postgresql://postgres@${POSTGRES_HOST}:${port}/${database}?${query}`;
    },
    admin: (command) => pgbouncerAdmin(command, port, options.clientTls ? { rejectUnauthorized: false } : false),
    log: () => readFile(`${rundir}/pgbouncer.log`, "utf8"),
    stop() {
      stopped ??= (async () => {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          // already gone
        }
        const deadline = Date.now() + 5_000;
        while (Date.now() < deadline) {
          try {
            process.kill(pid, 0);
          } catch {
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await rm(rundir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
