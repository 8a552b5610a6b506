import superjson from "superjson";

/** A value as `transformer.serialize` writes it: JSON, plus what it takes to restore Dates and the like. */
export interface SerializedValue {
  json: unknown;
  meta?: unknown;
}

/** The wire's data transformer: what keeps a `Date` a `Date` between the API and the app. */
export interface Transformer {
  serialize(value: unknown): SerializedValue;
  deserialize<T = unknown>(payload: SerializedValue): T;
}

/**
 * The transformer the API and the SDK speak (superjson). Hand it to anything that moves
 * query data as text, such as server-side rendering with TanStack Query:
 *
 * ```ts
 * new QueryClient({ defaultOptions: {
 *   dehydrate: { serializeData: transformer.serialize },
 *   hydrate: { deserializeData: transformer.deserialize },
 * } });
 * ```
 *
 * and to a tRPC link you build yourself (see `createClient`'s `links`).
 */
export const transformer: Transformer = superjson;
