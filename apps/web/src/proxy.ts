import type { NextRequest } from "next/server";
import { updateSession } from "./supabase/proxy";

export function proxy(request: NextRequest) {
  return updateSession(request);
}

export const config = {
  // Pages and route handlers; not Next's own assets.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
