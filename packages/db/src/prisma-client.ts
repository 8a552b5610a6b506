import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient } from "./generated/prisma/client.js";

type PrismaPgOptions = NonNullable<ConstructorParameters<typeof PrismaPg>[1]>;

export interface PrismaClientOptions {
  /** How long a transaction may wait for a connection, and how long it may run. */
  transaction: { maxWait: number; timeout: number };
  unsafeAdapterOptions?: Pick<PrismaPgOptions, "statementNameGenerator"> | undefined;
}

/**
 * Prisma's client on the process's pool. Its own module, loaded at the first query that
 * needs Prisma (see `Database.ready`): the runtime and the query compiler are most of the
 * bundle, and a cold start that answers a health check needs neither.
 */
export function createPrismaClient(pool: pg.Pool, options: PrismaClientOptions): PrismaClient {
  const adapter = new PrismaPg(pool, { disposeExternalPool: true, ...options.unsafeAdapterOptions });
  return new PrismaClient({ adapter, transactionOptions: options.transaction });
}
