import type { HTTPHeaders } from "@trpc/client";

type MaybePromise<T> = T | Promise<T>;

/** Headers in any form `fetch` takes: an object, a `Headers`, or `[name, value]` pairs. */
export type HeadersValue = HTTPHeaders | Headers | Iterable<readonly [string, string]>;

/** Returns the signed-in user's Supabase access token, or nothing when signed out. */
export type AccessTokenGetter = () => MaybePromise<string | null | undefined>;

/** Extra headers: a value, or a function called for every call. */
export type HeadersOption = HeadersValue | (() => MaybePromise<HeadersValue>);

/** The headers one call is sent with, and a fingerprint: calls share a request only when theirs are equal. */
export interface Credentials {
  headers: Readonly<Record<string, string>>;
  fingerprint: string;
}

export const ANONYMOUS: Credentials = { headers: {}, fingerprint: "" };

/** Lower-cased names, one string per header (repeated values joined as `fetch` would). */
export function headersOf(value: HeadersValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  const add = (name: string, raw: unknown) => {
    if (raw === undefined || raw === null) return;
    const text = Array.isArray(raw) ? raw.join(", ") : String(raw);
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${text}` : text;
  };
  if (typeof (value as Headers).forEach === "function" && typeof (value as Headers).get === "function") {
    (value as Headers).forEach((raw, name) => {
      add(name, raw);
    });
  } else if (typeof (value as Iterable<unknown>)[Symbol.iterator] === "function") {
    for (const pair of value as Iterable<readonly [string, string]>) add(pair[0], pair[1]);
  } else {
    for (const [name, raw] of Object.entries(value as HTTPHeaders)) add(name, raw);
  }
  return out;
}

/**
 * Marks an error that the app's own `getAccessToken` or `headers` threw. Such errors are
 * the app's or its framework's (Next.js signals dynamic rendering, `redirect()` and
 * `notFound()` this way): the client rejects with them exactly as they were thrown.
 */
export class ThrownByApp {
  constructor(readonly error: unknown) {}
}

/**
 * Resolves one call's credentials in the caller's own async context: a server that
 * serves many users from one client reads each request's cookie or session here.
 */
export async function resolveCredentials(
  getAccessToken: AccessTokenGetter | undefined,
  headers: HeadersOption | undefined,
): Promise<Credentials> {
  if (!getAccessToken && !headers) return ANONYMOUS;
  let extra: Record<string, string>;
  let token: string | null | undefined;
  try {
    extra = headersOf(typeof headers === "function" ? await headers() : headers);
    token = await getAccessToken?.();
  } catch (error) {
    throw new ThrownByApp(error);
  }
  if (token) extra.authorization = `Bearer ${token}`;
  const names = Object.keys(extra).sort();
  if (names.length === 0) return ANONYMOUS;
  return { headers: extra, fingerprint: JSON.stringify(names.map((name) => [name, extra[name]])) };
}
