/** The three sides `pnpm bench` compares, and what is measured on each. */
import type { Agent } from "node:http";
import type { BenchData, LoadResult, Server } from "../harness.js";
import type { Runtime } from "./runtimes.js";

export const SIDES = ["ours", "peer", "raw"] as const;
export type SideKey = (typeof SIDES)[number];

export interface RouteNumbers {
  c1: number[];
  /** Statements and transactions through PgBouncer during the c=1 slices (after-response work included). */
  pooler: { queries: number; transactions: number; requests: number };
  /**
   * Requests answered 2xx, all requests sent, wall time, the server process's CPU time and
   * the statements PgBouncer passed on (after-response work included) over the c=32 slices.
   */
  c32: { ok: number; requests: number; ms: number; cpuMs: number; queries: number };
}

export interface Tally {
  requests: number;
  errors: number;
  /** Failed answers by route, phase and status. */
  statuses: Map<string, number>;
}

/**
 * A server, the database it uses, and what was measured on it. On the shipped runtime each
 * side has a database of its own; a side on another runtime shares its key's database.
 */
export interface Side {
  key: SideKey;
  runtime: Runtime;
  server: Server;
  data: BenchData;
  c1: Agent;
  c32: Agent;
  tally: Tally;
  numbers: Map<string, RouteNumbers>;
}

/** Adds a load's answers to the tally (failures by `where` and status); returns how many were 2xx. */
export function count(tally: Tally, result: LoadResult, where: string): number {
  let ok = 0;
  for (const sample of result.samples) {
    tally.requests += 1;
    if (sample.status >= 200 && sample.status < 300) ok += 1;
    else {
      tally.errors += 1;
      const key = `${where} ${sample.status || "network"}`;
      tally.statuses.set(key, (tally.statuses.get(key) ?? 0) + 1);
    }
  }
  return ok;
}

/** Slice `i`'s order: the sides rotate, so that each is first, second and last equally often. */
export const rotated = <T>(items: readonly T[], i: number): T[] => items.map((_, k) => items[(k + i) % items.length]!);
