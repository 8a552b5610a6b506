import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { constants, Script } from "node:vm";
import {
  CONNECTED_DB_REPORT,
  createTestDatabase,
  ensurePgBouncer,
  REPO_ROOT,
  type TestDatabase,
} from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The real `vercel build` (offline, via `pnpm build:vercel`), then the function it
// produced, loaded from .vercel/output the way Vercel's Node runtime loads it.

const OUTPUT = join(REPO_ROOT, ".vercel/output");
const FUNCTIONS = join(OUTPUT, "functions");

/** Everything that can change the build output; the build is reused when it is newer. */
const BUILD_INPUTS = [
  "vercel.json",
  "package.json",
  "pnpm-lock.yaml",
  "prisma/schema.prisma",
  "apps/api/build.mjs",
  "apps/api/package.json",
  "apps/api/scripts",
  "apps/api/src",
  "packages/api/src",
  "packages/db/src",
];

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

function newestInput(): number {
  let newest = 0;
  for (const input of BUILD_INPUTS) {
    const path = join(REPO_ROOT, input);
    if (!existsSync(path)) continue;
    const files = statSync(path).isDirectory()
      ? walk(path).filter((file) => !file.includes("/generated/") && !file.includes("/node_modules/"))
      : [path];
    for (const file of files) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

function ensureBuild(): void {
  const marker = join(OUTPUT, "config.json");
  if (existsSync(marker) && statSync(marker).mtimeMs > newestInput()) return;
  execFileSync("pnpm", ["build:vercel"], { cwd: REPO_ROOT, stdio: "pipe", timeout: 170_000 });
}

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

interface BuiltFunction {
  name: string;
  dir: string;
  config: { handler: string; runtime: string; memory?: number; maxDuration?: number; [key: string]: unknown };
}

function builtFunctions(): BuiltFunction[] {
  return walk(FUNCTIONS)
    .filter((file) => file.endsWith("/.vc-config.json"))
    .map((file) => {
      const dir = file.slice(0, -"/.vc-config.json".length);
      return { name: relative(FUNCTIONS, dir).replace(/\.func$/, ""), dir, config: readJson(file) };
    });
}

interface Route {
  src?: string;
  dest?: string;
  status?: number;
  handle?: string;
  continue?: boolean;
}

/**
 * Which function a request path reaches, following config.json's routes the way the
 * edge does for a request that matches no static file: phases up to the error phase,
 * first matching `src` with a `dest` wins unless it says `continue`.
 */
function functionFor(path: string, routes: Route[]): string | undefined {
  for (const route of routes) {
    if (route.handle === "error") break;
    if (!route.src || !new RegExp(route.src).test(path)) continue;
    if (route.status && !route.dest) return undefined;
    if (!route.dest || route.continue) continue;
    const dest = path.replace(new RegExp(route.src), route.dest).split("?")[0] ?? "/";
    const name = dest.replace(/^\/+|\/+$/g, "") || "index";
    return existsSync(join(FUNCTIONS, `${name}.func`)) ? name : undefined;
  }
  return undefined;
}

type WebHandler = (request: Request) => Promise<Response>;

/**
 * Node's own `import()`, not Vitest's transforming one: the bundle must load as it is,
 * by Node's default ESM loader, as it would in the function.
 */
const nativeImport = new Script("(specifier) => import(specifier)", {
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
}).runInThisContext() as (specifier: string) => Promise<Record<string, unknown>>;

/** The handler shapes the Node runtime accepts for a web handler. */
async function loadHandler(fn: BuiltFunction): Promise<WebHandler> {
  const mod = await nativeImport(pathToFileURL(join(fn.dir, fn.config.handler)).href);
  const entry = mod.default as { fetch?: WebHandler } | undefined;
  if (typeof entry?.fetch === "function") return (request) => entry.fetch!(request);
  const get = mod.GET;
  if (typeof get === "function") return get as WebHandler;
  throw new Error(`${fn.config.handler} exports no web handler (default { fetch } or GET)`);
}

let tdb: TestDatabase | undefined;
let functions: BuiltFunction[];

beforeAll(async () => {
  await ensurePgBouncer();
  tdb = await createTestDatabase("vercel");
  ensureBuild();
  functions = builtFunctions();
}, 180_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await tdb?.drop();
});

describe("vercel build output", () => {
  it("has one function, limited as vercel.json says, on Node 24 (the engines range picks it: the least CPU per request, pnpm bench)", () => {
    expect(functions.map((fn) => fn.name)).toEqual(["index"]);
    for (const fn of functions) {
      expect(fn.config.maxDuration, fn.name).toBe(30);
      expect(fn.config.memory, fn.name).toBe(1024);
      expect(fn.config.runtime, fn.name).toBe("nodejs24.x");
      expect(fn.config.launcherType, fn.name).toBe("Nodejs");
    }
  });

  it("routes the API paths to the function", () => {
    const { routes } = readJson(join(OUTPUT, "config.json")) as { routes: Route[] };
    for (const path of ["/health", "/health/db", "/api/trpc/health.db", "/api/trpc/health.check,health.db"]) {
      expect(functionFor(path, routes), path).toBe("index");
    }
  });

  it("publishes the bundled handler and its chunks, nothing else: no sources, no node_modules, no static tree", () => {
    const published = walk(OUTPUT)
      .map((file) => relative(OUTPUT, file))
      .filter((file) => !file.startsWith("diagnostics/") && file !== "builds.json");
    expect(published.filter((file) => /\.(c|m)?tsx?$/.test(file))).toEqual([]);
    expect(published.filter((file) => /(^|\/)(packages|apps|src|node_modules)\//.test(file))).toEqual([]);
    expect(published.filter((file) => file.startsWith("static/"))).toEqual([]);
    for (const fn of functions) {
      // The handler and the chunks it loads when first needed (Prisma's runtime and compiler).
      expect(readdirSync(fn.dir).sort(), fn.name).toEqual([".vc-config.json", "chunks", fn.config.handler].sort());
      const chunks = readdirSync(join(fn.dir, "chunks"));
      expect(chunks.length, fn.name).toBeGreaterThan(0);
      expect(
        chunks.filter((file) => !file.endsWith(".mjs")),
        fn.name,
      ).toEqual([]);
      expect(
        chunks.some((file) => file.startsWith("prisma-client-")),
        fn.name,
      ).toBe(true);
    }
  });
});

/** The files a module imports statically, itself included, transitively (what its import loads and compiles). */
function staticGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, spec] of readFileSync(file, "utf8").matchAll(
    /(?:^|[;\s}])(?:import|from)\s*["'](\.{1,2}\/[^"']+)["']/g,
  )) {
    staticGraph(join(file, "..", spec!), seen);
  }
  return seen;
}

describe("the function's cold start", () => {
  // A cold start compiles whatever the handler imports before its first line runs, used or
  // not (packages/bench/src/cold-start.mjs times it). The router, Prisma and the
  // keyed-mutation middleware (classic zod, most of @trpc/server) wait for the first tRPC
  // request; an import that drags them back into the start (one did: 418 KB, +8 ms) fails here.
  // Env validation brings only the part of zod/mini it uses (build.mjs bundles env.ts alone):
  // bundled with the procedures' zod, all of zod's core came along (345 KB in all). The rate
  // limiter is tRPC middleware, so the runtime does not re-export it (+20 KB of @trpc/server).
  const START_BUDGET_BYTES = 210 * 1024;

  it(`loads at most ${START_BUDGET_BYTES / 1024} KB at import; the router and Prisma only when first needed`, () => {
    for (const fn of functions) {
      const start = staticGraph(join(fn.dir, fn.config.handler));
      const bytes = [...start].reduce((sum, file) => sum + statSync(file).size, 0);
      expect(bytes, `${fn.name}: ${[...start].map((file) => relative(fn.dir, file)).join(", ")}`).toBeLessThanOrEqual(
        START_BUDGET_BYTES,
      );
      expect(
        [...start].some((file) => /(trpc-route|prisma-client|query_compiler)/.test(file)),
        fn.name,
      ).toBe(false);
    }
  });

  // src/heap-settings.ts: V8 must not tenure allocation sites, or under load every request's
  // objects are promoted (NODE_OPTIONS refuses the flag, so the entry sets it). It must run
  // in the handler's own file, before the API's code: not in a chunk loaded later.
  it("turns V8's allocation-site pretenuring off in the handler's entry, before the API's code", () => {
    for (const fn of functions) {
      const entry = readFileSync(join(fn.dir, fn.config.handler), "utf8");
      const flag = entry.indexOf('"--no-allocation-site-pretenuring"');
      expect(flag, fn.name).toBeGreaterThan(-1);
      expect(entry.lastIndexOf("setFlagsFromString", flag), fn.name).toBeGreaterThan(-1);
      // The API's own code (its fetch handler's refusals, bundled into the entry) comes after it.
      expect(entry.indexOf("Internal server error"), fn.name).toBeGreaterThan(flag);
    }
  });

  // A changed V8 flag changes the hash V8 checks code caches against: a built-in module Node
  // loads after it is compiled from source, not from the cache in the node binary. Node's
  // fetch (undici) loaded after the flag cost the cold start about 20 ms, so it comes first.
  // The recorder gives Node 20 the \`navigator\` global Node 22 and 24 have: without it pg
  // builds a Response at import (its Cloudflare check), which loads undici early on 20 only.
  it("loads Node's fetch classes before it changes a V8 flag, so they compile from Node's own code cache", () => {
    const recorder = `
      globalThis.navigator ??= { userAgent: "Node.js" };
      import module from "node:module";
      import v8 from "node:v8";
      const set = v8.setFlagsFromString;
      v8.setFlagsFromString = (flags) => {
        const loaded = process.moduleLoadList.includes("NativeModule internal/deps/undici/undici");
        process.stdout.write(JSON.stringify({ flags, undiciLoaded: loaded }) + "\\n");
        set(flags);
      };
      module.syncBuiltinESMExports();`;
    for (const fn of functions) {
      const handler = pathToFileURL(join(fn.dir, fn.config.handler)).href;
      const out = execFileSync(
        process.execPath,
        [
          "--import",
          `data:text/javascript,${encodeURIComponent(recorder)}`,
          "--input-type=module",
          "-e",
          `await import(${JSON.stringify(handler)}); process.exit(0);`,
        ],
        { env: { PATH: process.env.PATH, APP_ENV: "test", SUPABASE_DB_URL_TRANSACTION: tdb!.pooledUrl() }, encoding: "utf8" },
      );
      const calls = out
        .split("\n")
        .filter((line) => line.startsWith('{"flags"'))
        .map((line) => JSON.parse(line));
      expect(calls, fn.name).toEqual([{ flags: "--no-allocation-site-pretenuring", undiciLoaded: true }]);
    }
  });

  // The first tRPC request loads the route (router, procedures, their zod, tRPC's server); an
  // instance's first procedure pays its compile. With `import { z } from "zod"` (the whole of
  // zod in one object) it was 267 KB; biome refuses that import in the API's sources.
  const ROUTE_BUDGET_BYTES = 200 * 1024;

  it(`loads at most ${ROUTE_BUDGET_BYTES / 1024} KB more at its first tRPC request, Prisma only at its first query`, () => {
    for (const fn of functions) {
      const start = staticGraph(join(fn.dir, fn.config.handler));
      const route = readdirSync(join(fn.dir, "chunks")).find((file) => file.startsWith("trpc-route-"));
      expect(route, fn.name).toBeDefined();
      const more = [...staticGraph(join(fn.dir, "chunks", route!))].filter((file) => !start.has(file));
      const bytes = more.reduce((sum, file) => sum + statSync(file).size, 0);
      expect(bytes, `${fn.name}: ${more.map((file) => relative(fn.dir, file)).join(", ")}`).toBeLessThanOrEqual(
        ROUTE_BUDGET_BYTES,
      );
      expect(
        more.some((file) => /(prisma-client|query_compiler)/.test(file)),
        fn.name,
      ).toBe(false);
    }
  });

  it("carries none of zod's JSON Schema generator at import (the mark of zod's whole core)", () => {
    for (const fn of functions) {
      const start = [...staticGraph(join(fn.dir, fn.config.handler))];
      expect(
        start
          .filter((file) => readFileSync(file, "utf8").includes("draft-2020-12"))
          .map((file) => relative(fn.dir, file)),
        fn.name,
      ).toEqual([]);
    }
  });
});

describe("the built function, loaded as the Node runtime loads it", () => {
  let handle: WebHandler;

  beforeAll(async () => {
    // Read once, at import: the function's environment.
    vi.stubEnv("APP_ENV", "test");
    vi.stubEnv("SUPABASE_DB_URL_TRANSACTION", tdb!.pooledUrl());
    const [fn] = functions;
    handle = await loadHandler(fn!);
  });

  const get = (path: string) => handle(new Request(`https://s3ssions.example${path}`));

  it("GET /health answers liveness", async () => {
    const res = await get("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", platform: "vercel_serverless", mode: "unified_engine" });
  });

  it("GET /health/db reaches Postgres through PgBouncer", async () => {
    const res = await get("/health/db");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject(CONNECTED_DB_REPORT);
  });

  it("tRPC health.db answers the same report", async () => {
    const res = await get("/api/trpc/health.db");
    expect(res.status).toBe(200);
    const { result } = await res.json();
    expect(result.data.json).toMatchObject(CONNECTED_DB_REPORT);
  });

  it("sessions.byId runs through Prisma, whose runtime the function loads from its chunks on first use", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { id: "00000000-0000-4000-8000-000000000000" } }));
    const res = await get(`/api/trpc/sessions.byId?input=${input}`);
    expect(res.status, await res.clone().text()).toBe(404);
    expect((await res.json()).error.json.data.code).toBe("NOT_FOUND");
  });

  it("sessions.list runs its statement on the function's pool", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { limit: 5 } }));
    const res = await get(`/api/trpc/sessions.list?input=${input}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const { result } = await res.json();
    expect(result.data.json).toEqual({ items: [], nextCursor: null });
  });

  it("an unknown path is the handler's JSON 404", async () => {
    const res = await get("/nope");
    expect(res.status).toBe(404);
    expect((await res.json()).error.json.data.code).toBe("NOT_FOUND");
  });
});
