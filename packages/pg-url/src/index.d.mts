import type { ConnectionOptions } from "node:tls";

export declare class PgUrlError extends Error {}
export declare function tlsOptions(
  params: URLSearchParams,
  options?: { caPem?: string | undefined },
): { mode: string; ssl: false | ConnectionOptions };
export declare function keepPassedThrough(params: URLSearchParams): void;
