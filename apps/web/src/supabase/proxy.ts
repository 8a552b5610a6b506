import { createServerClient } from "@supabase/ssr";
import { type NextRequest, NextResponse } from "next/server";
import { publicConfig } from "../config";

/**
 * Refreshes the Supabase session before a page renders (Server Components cannot write
 * cookies): an expiring access token is exchanged here, and the new cookies go both to the
 * page being rendered (the request) and to the browser (the response).
 */
export async function updateSession(request: NextRequest): Promise<NextResponse> {
  let response = NextResponse.next({ request });
  const { supabaseUrl, supabaseAnonKey } = publicConfig();
  const supabase = createServerClient(supabaseUrl, supabaseAnonKey, {
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll(cookiesToSet, headers) {
        for (const { name, value } of cookiesToSet) request.cookies.set(name, value);
        response = NextResponse.next({ request });
        for (const { name, value, options } of cookiesToSet) response.cookies.set(name, value, options);
        // A response that sets a session cookie must never be cached for another user.
        for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
      },
    },
  });
  // getSession(), not getClaims(): see getAccessToken in ./server.ts. It refreshes the token
  // only when it is about to expire, so a fresh session costs no request.
  await supabase.auth.getSession();
  return response;
}
