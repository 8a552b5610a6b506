// PGlite served over the Postgres wire protocol, in its own process so that the benchmark
// can measure its memory the way it measures a real Postgres server's.
// Usage: node packages/bench/src/pglite-server.mjs <dataDir> <port> <maxConnections>
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const [dataDir, port, maxConnections] = process.argv.slice(2);
const db = await PGlite.create(dataDir);
const server = new PGLiteSocketServer({
  db,
  host: "127.0.0.1",
  port: Number(port),
  maxConnections: Number(maxConnections),
});
await server.start();
process.stdout.write("ready\n");

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  await db.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
