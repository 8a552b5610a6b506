import { createBrowserClient } from "@supabase/ssr";
import type { SupabaseClient } from "@supabase/supabase-js";

let client: SupabaseClient | undefined;

/** The page's one Supabase client: it reads and writes the same cookies as the server. */
export function supabaseBrowserClient(url: string, anonKey: string): SupabaseClient {
  client ??= createBrowserClient(url, anonKey);
  return client;
}
