import type { Database } from "@s3ssions/db";
import type { Env } from "./env.js";
import type { Logger } from "./logger.js";

/** What the function entry provides once per process. */
export interface ApiDependencies {
  env: Env;
  /** The process's one database handle, opened lazily. */
  db: Database;
  logger: Logger;
  /** Keeps the instance alive for work that finishes after the response (Vercel's waitUntil). */
  waitUntil: (promise: Promise<unknown>) => void;
}

export interface Context extends ApiDependencies {
  requestId: string;
  headers: Headers;
}

export function createContext(deps: ApiDependencies, request: { requestId: string; headers: Headers }): Context {
  return { ...deps, requestId: request.requestId, headers: request.headers };
}
