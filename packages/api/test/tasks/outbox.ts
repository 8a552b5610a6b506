import { createDatabase, type Database, type Prisma } from "@s3ssions/db";
import {
  createTestDatabase,
  ensurePgBouncer,
  type Receiver,
  startReceiver,
  type TestDatabase,
} from "@s3ssions/testing";
import {
  type ApiRuntime,
  createApiRuntime,
  enqueueTasks,
  type LogLevel,
  parseEnv,
  type TaskType,
} from "../../src/index.js";

// The outbox under test: a migrated database behind the real pooler, a webhook receiver,
// and runtimes that record their logs and what they hand to waitUntil.

export const WEBHOOK_SECRET = `whsec_${Buffer.from("tasks-test-signing-key-0123456789").toString("base64")}`;
export const CRON_SECRET = "cron-secret-0123456789abcdef";

export interface LogLine {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown> | undefined;
}

export interface Harness {
  runtime: ApiRuntime;
  logs: LogLine[];
  /** What the runtime handed to waitUntil. */
  background: Promise<unknown>[];
}

export interface Outbox {
  tdb: TestDatabase;
  /** The pool the tests read and write the tasks table through. */
  db: Database;
  receiver: Receiver;
  /** A runtime on the test env (the receiver, both secrets) with `overrides` applied. */
  harness(overrides?: Record<string, string | undefined>, database?: Database): Harness;
  /** Another pool of one connection through the pooler, as another instance has (closed by `close`). */
  openDatabase(): Database;
  /** `count` tasks of `type`, queued as a procedure queues them; their ids. */
  enqueue(count?: number, type?: TaskType, data?: Prisma.InputJsonObject): Promise<string[]>;
  taskRow(id: string): Promise<Prisma.TaskModel>;
  /** Fake time: the task's runner's lease has run out. */
  expireLease(id: string): Promise<void>;
  /** Before each test: no tasks, nothing received. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startOutbox(label: string): Promise<Outbox> {
  await ensurePgBouncer();
  const tdb = await createTestDatabase(label);
  const opened: Database[] = [];
  const openDatabase = () => {
    const handle = createDatabase({ url: tdb.pooledUrl({ pgbouncer: true, connection_limit: 1 }) });
    opened.push(handle);
    return handle;
  };
  const db = openDatabase();
  const receiver = await startReceiver();
  return {
    tdb,
    db,
    receiver,
    harness(overrides = {}, database = db) {
      const logs: LogLine[] = [];
      const background: Promise<unknown>[] = [];
      const env = parseEnv({
        APP_ENV: "test",
        SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET,
        CRON_SECRET,
        ...overrides,
      });
      const runtime = createApiRuntime({
        env,
        db: database,
        logger: { log: (level, message, fields) => logs.push({ level, message, fields }) },
        waitUntil: (promise) => background.push(promise),
      });
      return { runtime, logs, background };
    },
    openDatabase,
    async enqueue(count = 1, type = "booking.confirmed", data = {}) {
      const events = Array.from({ length: count }, (_, n) => ({ type, data: { ...data, n } }));
      await db.ready();
      return db.transaction((tx) => enqueueTasks(tx, events));
    },
    async taskRow(id) {
      return (await db.ready()).task.findUniqueOrThrow({ where: { id } });
    },
    async expireLease(id) {
      await (await db.ready())
        .$executeRaw`UPDATE tasks SET locked_until = now() - interval '1 second' WHERE id = ${id}::uuid`;
    },
    async reset() {
      receiver.reset();
      await (await db.ready()).$executeRaw`DELETE FROM tasks`;
    },
    async close() {
      await receiver.close();
      await Promise.all(opened.map((handle) => handle.close()));
      await tdb.drop();
    },
  };
}
