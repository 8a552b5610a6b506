import { type Database, createDatabase } from "./database.js";

/**
 * One database handle per process, for request handlers and background tasks alike.
 * Kept on globalThis so that module reloading in development cannot open a second pool.
 */
const KEY = Symbol.for("s3ssions.database");
type Holder = { [KEY]?: Database };

export function getProcessDatabase(url: string, options: { caPem?: string | undefined } = {}): Database {
  const holder = globalThis as Holder;
  const existing = holder[KEY];
  if (existing) return existing;
  const db = createDatabase({ url, caPem: options.caPem });
  holder[KEY] = db;
  return db;
}

export async function closeProcessDatabase(): Promise<void> {
  const holder = globalThis as Holder;
  const db = holder[KEY];
  delete holder[KEY];
  await db?.close();
}
