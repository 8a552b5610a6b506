// Supabase Auth as the example meets it: a session in the `sb-<ref>-auth-token` cookie, in
// the format @supabase/ssr writes (`base64-` + base64url of the session's JSON, split in
// chunks `.0`, `.1`, … past 3180 characters), and a stand-in for the Auth server that signs
// in with a password and logs out, counting every request it gets.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** @supabase/ssr's chunk size (MAX_CHUNK_SIZE in its utils/chunker). */
const MAX_CHUNK_SIZE = 3180;

export interface SupabaseSession {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: { id: string; aud: string; role: string; email: string; app_metadata: object; user_metadata: object };
}

export function sessionFor(userId: string, accessToken: string): SupabaseSession {
  return {
    access_token: accessToken,
    token_type: "bearer",
    expires_in: 3600,
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    refresh_token: `refresh-${userId}`,
    user: {
      id: userId,
      aud: "authenticated",
      role: "authenticated",
      email: `${userId}@example.com`,
      app_metadata: { provider: "email", providers: ["email"] },
      user_metadata: {},
    },
  };
}

/** supabase-js's storage key for a project URL: `sb-<first label of the host>-auth-token`. */
export function storageKey(supabaseUrl: string): string {
  return `sb-${new URL(supabaseUrl).hostname.split(".")[0]}-auth-token`;
}

/** The session's cookies as @supabase/ssr writes them (base64url contains nothing to escape). */
export function sessionCookies(supabaseUrl: string, session: SupabaseSession): { name: string; value: string }[] {
  const key = storageKey(supabaseUrl);
  const value = `base64-${Buffer.from(JSON.stringify(session)).toString("base64url")}`;
  if (value.length <= MAX_CHUNK_SIZE) return [{ name: key, value }];
  const chunks: { name: string; value: string }[] = [];
  for (let i = 0; i * MAX_CHUNK_SIZE < value.length; i++)
    chunks.push({ name: `${key}.${i}`, value: value.slice(i * MAX_CHUNK_SIZE, (i + 1) * MAX_CHUNK_SIZE) });
  return chunks;
}

export function cookieHeader(cookies: { name: string; value: string }[]): string {
  return cookies.map(({ name, value }) => `${name}=${value}`).join("; ");
}

export interface FakeSupabaseAuth {
  url: string;
  /** Every request, as `METHOD /path?query`. */
  requests: string[];
  /** The session a password sign-in with this email returns. */
  addUser(email: string, password: string, session: SupabaseSession): void;
  /** The session a refresh with this (single-use) refresh token returns. */
  addRefresh(refreshToken: string, session: SupabaseSession): void;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text;
}

/** The two Auth endpoints the example calls, with the CORS headers a browser needs. */
export async function startFakeSupabaseAuth(): Promise<FakeSupabaseAuth> {
  const users = new Map<string, { password: string; session: SupabaseSession }>();
  const refreshes = new Map<string, SupabaseSession>();
  const requests: string[] = [];
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    response.setHeader("access-control-allow-origin", request.headers.origin ?? "*");
    response.setHeader("access-control-allow-headers", request.headers["access-control-request-headers"] ?? "*");
    response.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    if (request.method === "OPTIONS") {
      response.writeHead(204).end();
      return;
    }
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    if (
      request.method === "POST" &&
      url.pathname === "/auth/v1/token" &&
      url.searchParams.get("grant_type") === "password"
    ) {
      const { email, password } = JSON.parse(await body(request)) as { email: string; password: string };
      const user = users.get(email);
      if (!user || user.password !== password) {
        response
          .writeHead(400, { "content-type": "application/json" })
          .end(JSON.stringify({ code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" }));
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(user.session));
      return;
    }
    if (
      request.method === "POST" &&
      url.pathname === "/auth/v1/token" &&
      url.searchParams.get("grant_type") === "refresh_token"
    ) {
      const { refresh_token } = JSON.parse(await body(request)) as { refresh_token: string };
      const session = refreshes.get(refresh_token);
      refreshes.delete(refresh_token);
      if (!session) {
        response
          .writeHead(400, { "content-type": "application/json" })
          .end(JSON.stringify({ code: 400, error_code: "refresh_token_not_found", msg: "Invalid Refresh Token" }));
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(session));
      return;
    }
    if (request.method === "POST" && url.pathname === "/auth/v1/logout") {
      response.writeHead(204).end();
      return;
    }
    response.writeHead(404, { "content-type": "application/json" }).end('{"msg":"not found"}');
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    addUser: (email, password, session) => {
      users.set(email, { password, session });
    },
    addRefresh: (refreshToken, session) => {
      refreshes.set(refreshToken, session);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
