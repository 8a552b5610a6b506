import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { classifyDatabaseError } from "../src/database-errors.js";
import { type Database, createDatabase } from "../src/database.js";

// What a pooler does to connections when it drops them, reproduced byte for byte by a
// tiny fake server: PgBouncer's `KILL db` answers a client that just got its session
// with a FATAL "database removed" right behind the ReadyForQuery, in the same packet.

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function int32(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) out.writeInt32BE(v, i * 4);
  return out;
}

function errorResponse(severity: string, code: string, text: string): Buffer {
  const field = (tag: string, value: string) => Buffer.from(`${tag}${value}\0`, "utf8");
  return message(
    "E",
    Buffer.concat([field("S", severity), field("V", severity), field("C", code), field("M", text), Buffer.from([0])]),
  );
}

/** Accepts a startup packet, logs the client in, and sends `after` in the same write. */
async function fakeServer(after: Buffer): Promise<{ port: number; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("data", () => {
      socket.write(
        Buffer.concat([
          message("R", int32(0)), // AuthenticationOk
          message("K", int32(4242, 99)), // BackendKeyData
          message("Z", Buffer.from("I")), // ReadyForQuery
          after,
        ]),
      );
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, server, sockets };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

function open(port: number): Database {
  const db = createDatabase({ url: `postgresql://u@127.0.0.1:${port}/db?connection_limit=1&connect_timeout=3` });
  cleanups.push(() => db.close().catch(() => {}));
  return db;
}

describe("a pooler that kills a connection the moment it is handed out", () => {
  it("does not crash the process: the transaction fails as unavailable and the client is discarded", async () => {
    const fake = await fakeServer(errorResponse("FATAL", "08P01", "database removed"));
    cleanups.push(async () => {
      for (const s of fake.sockets) s.destroy();
      await new Promise((r) => fake.server.close(r));
    });
    const db = open(fake.port);
    let error: unknown;
    try {
      await (await db.ready()).$transaction((tx) => tx.$queryRaw`SELECT 1`);
    } catch (caught) {
      error = caught;
    }
    expect(classifyDatabaseError(error)?.availability).toBe("unavailable");
    // Let the socket close and the pool settle: nothing is left behind in it.
    await new Promise((r) => setTimeout(r, 100));
    expect(db.pool.totalCount).toBe(0);
  });

  it("the same for a checked-out client taken straight from the pool", async () => {
    const fake = await fakeServer(
      errorResponse("FATAL", "57P01", "terminating connection due to administrator command"),
    );
    cleanups.push(async () => {
      for (const s of fake.sockets) s.destroy();
      await new Promise((r) => fake.server.close(r));
    });
    const db = open(fake.port);
    const client = await db.pool.connect();
    await new Promise((r) => setTimeout(r, 50));
    await expect(client.query("SELECT 1")).rejects.toThrow();
    client.release();
    expect(db.pool.totalCount).toBe(0);
  });
});
