// Types of the public API of @s3ssions/schema-engine (implementation: ./index.mjs).

import type { SchemaEngine, MigrationList } from "@prisma/schema-engine-wasm";

export interface MigrateOptions {
  /** Direct database URL (never through a transaction pooler: the engine holds a session-level advisory lock). */
  url: string;
  /** The `prisma/migrations` directory. */
  migrationsDir: string;
  /** Create the database when it does not exist, as `prisma migrate deploy` does. Default: true. */
  createDatabase?: boolean;
  /** Engine log lines (JSON). */
  onLog?: (line: string) => void;
}

/**
 * Apply all pending migrations in-process, like `prisma migrate deploy` (same `_prisma_migrations`
 * table and checksums). Each migration script runs as one atomic simple query.
 * @returns names of the migrations applied by this call, in order
 */
export function migrateDeploy(options: MigrateOptions): Promise<string[]>;

export interface MigrationStatus {
  appliedMigrationNames: string[];
  /** In the directory, not applied. */
  unappliedMigrationNames: string[];
  failedMigrationNames: string[];
  /** Checksum in the directory differs from the applied one. */
  editedMigrationNames: string[];
  hasMigrationsTable: boolean;
  /** Same verdict as `prisma migrate status` exiting 0. */
  upToDate: boolean;
}

/** What `prisma migrate status` reports, as data. */
export function migrateStatus(options: Omit<MigrateOptions, "createDatabase">): Promise<MigrationStatus>;

/** A Prisma error code (P1001, P1003, P3005, ...) with its message. */
export class UserFacingError extends Error {
  constructor(code: string, message: string, meta?: Record<string, unknown>);
  readonly code: string;
  readonly meta: Record<string, unknown>;
}

/** Throws UserFacingError P1000/P1001/P1002/P1003 when the database cannot be reached. */
export function canConnectToDatabase(url: string): Promise<void>;
/** Creates the database named in `url`; returns its name. Throws P1009 when it exists. */
export function createDatabase(url: string): Promise<string>;
/** Creates the database named in `url` unless it exists; returns whether it was created. */
export function ensureDatabase(url: string): Promise<boolean>;
/** Drops the database named in `url` (`force`: terminate its sessions first). */
export function dropDatabase(url: string, options?: { force?: boolean }): Promise<void>;

/** Reads a migrations directory the way the Prisma CLI does. */
export function readMigrationsList(migrationsDir: string, shadowDbInitScript?: string): Promise<MigrationList>;

export interface PgMigrationAdapter {
  readonly provider: "postgres";
  readonly adapterName: string;
  /** Raw error of the last failed adapter call. */
  readonly lastError: unknown;
  /** End all connections, drop shadow databases still alive. */
  close(): Promise<void>;
}

/** The migration-aware `pg` adapter factory handed to the Wasm engine. */
export function createPgMigrationAdapter(options: {
  url: string;
  shadowDatabaseUrl?: string | null;
}): PgMigrationAdapter;

export interface SchemaEngineSession {
  engine: SchemaEngine;
  adapter: PgMigrationAdapter;
  /** Free the engine, end all connections, drop leftover shadow databases. */
  close(): Promise<void>;
}

/** A Wasm schema engine on a main database, for any other engine method. */
export function openSchemaEngine(options: {
  url: string;
  shadowDatabaseUrl?: string | null;
  datamodels?: [string, string][];
  onLog?: (line: string) => void;
}): Promise<SchemaEngineSession>;

/** Engine commit hash of prisma 7.10.0. */
export const ENGINE_HASH: string;
/** Instantiates the Wasm module (once per process). */
export function loadSchemaEngineWasm(): Promise<typeof import("@prisma/schema-engine-wasm")>;
