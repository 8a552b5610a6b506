import { randomUUID } from "node:crypto";
import {
  type ApiRuntime,
  appRouter,
  CRON_TASKS_PATH,
  createContext,
  databaseHealth,
  handleCronTasksRequest,
  serviceHealth,
} from "@s3ssions/api";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

export const TRPC_ENDPOINT = "/api/trpc";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

function errorBody(code: string, message: string, requestId: string) {
  return { error: { code, message, requestId } };
}

/**
 * The whole API as one web-standard handler: the Vercel function and the local
 * server both call exactly this.
 */
export function createFetchHandler(deps: ApiRuntime): (request: Request) => Promise<Response> {
  return async function handle(request) {
    const requestId = requestIdOf(request);
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, "") || "/";
    let response: Response;

    if (path === "/health" || path === "/health/db") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        response = json(errorBody("METHOD_NOT_SUPPORTED", `${request.method} is not allowed here`, requestId), 405, {
          allow: "GET, HEAD",
        });
      } else if (path === "/health") {
        response = json(serviceHealth(deps), 200);
      } else {
        const health = await databaseHealth(deps);
        response = json(health, health.status === "ok" ? 200 : 503);
      }
    } else if (path === CRON_TASKS_PATH) {
      // Vercel Cron: drains due outbox tasks (Authorization: Bearer CRON_SECRET).
      response = await handleCronTasksRequest(deps, request);
    } else if (path === TRPC_ENDPOINT || path.startsWith(`${TRPC_ENDPOINT}/`)) {
      response = await fetchRequestHandler({
        endpoint: TRPC_ENDPOINT,
        req: request,
        router: appRouter,
        createContext: () => createContext(deps, { requestId, headers: request.headers }),
        onError({ error, path: procedure }) {
          if (error.code === "INTERNAL_SERVER_ERROR") {
            deps.logger.log("error", "procedure failed", {
              requestId,
              procedure,
              error: error.cause?.message ?? error.message,
              stack: error.cause?.stack ?? error.stack,
            });
          }
        },
      });
    } else {
      response = json(errorBody("NOT_FOUND", `No route for ${path}`, requestId), 404);
    }

    response.headers.set("x-request-id", requestId);
    return response;
  };
}
