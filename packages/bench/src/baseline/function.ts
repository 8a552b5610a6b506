/**
 * The baseline as a Vercel-style function: a default `{ fetch }` web handler, loaded by the
 * same launcher as our built function (src/launcher.mjs), so that the two cold starts
 * differ only in what the handlers do. Bundled by the bench into one file.
 */
import { createBaseline } from "./handler.js";

const baseline = createBaseline(process.env);
const REQUEST_CONTEXT = Symbol.for("@vercel/request-context");

/** Vercel's waitUntil, read the way @vercel/functions reads it. */
function waitUntil(promise: Promise<unknown>): void {
  const holder = globalThis as { [REQUEST_CONTEXT]?: { get?: () => { waitUntil?: (p: Promise<unknown>) => void } } };
  holder[REQUEST_CONTEXT]?.get?.()?.waitUntil?.(promise);
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const response = await baseline.handle(
      {
        method: request.method,
        path: url.pathname.replace(/\/+$/, "") || "/",
        query: url.searchParams,
        header: (name) => request.headers.get(name),
        body: () => request.text(),
      },
      waitUntil,
    );
    return new Response(response.body, { status: response.status, headers: response.headers });
  },
};
