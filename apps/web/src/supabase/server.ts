import { createServerClient } from "@supabase/ssr";
import { cookies } from "next/headers";
import { publicConfig } from "../config";

/**
 * Supabase on the server, as Supabase documents it for Next.js: the session lives in the
 * request's cookies (`sb-<project ref>-auth-token`). A new client per call: it holds the
 * request's cookie store.
 */
export async function createSupabaseServerClient() {
  const cookieStore = await cookies();
  const { supabaseUrl, supabaseAnonKey } = publicConfig();
  return createServerClient(supabaseUrl, supabaseAnonKey, {
    cookies: {
      getAll: () => cookieStore.getAll(),
      setAll(cookiesToSet) {
        try {
          for (const { name, value, options } of cookiesToSet) cookieStore.set(name, value, options);
        } catch {
          // A Server Component cannot set cookies; the proxy (src/proxy.ts) already refreshed the session.
        }
      },
    },
  });
}

/**
 * The signed-in user's access token, or nothing. `getSession()` reads the cookie and
 * refreshes an expiring token; it does not verify the token, and need not: this app never
 * trusts it, it only forwards it to the API, which verifies every token it receives.
 * (`getUser()` would ask Supabase Auth on every call, `getClaims()` the project's JWKS —
 * or Auth itself for a legacy HS256 project: a round trip per request for no gain here.)
 */
export async function getAccessToken(): Promise<string | undefined> {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getSession();
  return data.session?.access_token;
}
