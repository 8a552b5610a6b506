// What `pnpm build` leaves in dist/ is what npm ships: its declarations must name nothing
// of the server, and its JavaScript must be the SDK's own code only.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFile(`${PACKAGE_DIR}${path}`, "utf8");

/** Source without comments (declarations keep the server's doc comments, which may name anything). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'])\/\/.*$/gm, "$1");
}

function specifiers(text: string): string[] {
  const found = new Set<string>();
  for (const match of code(text).matchAll(/(?:from|import|require\()\s*["']([^"']+)["']/g)) found.add(match[1]!);
  return [...found].sort();
}

const DECLARATIONS = ["dist/index.d.ts", "dist/index.d.cts", "dist/limits.d.ts", "dist/limits.d.cts"];
const SERVER_NAMES =
  /PrismaClient|\bPrisma\b|@prisma|\bpg\b|\bPool\b|\bDatabase\b|\bjose\b|\bContext\b|ApiRuntime|ApiDependencies|\bzod\b|\bz\.|\bBuffer\b/;

describe("declarations", () => {
  it.each(DECLARATIONS)("%s names no server type, no unexported path, no workspace package", async (file) => {
    const text = await read(file);
    expect(code(text)).not.toMatch(SERVER_NAMES);
    expect(text).not.toMatch(/import\(\s*["']/);
    expect(text).not.toMatch(/node_modules|\.pnpm|\/src\//);
    expect(code(text)).not.toMatch(/@s3ssions\//);
    expect(text).not.toMatch(/\/\/\/\s*<reference/);
    // Only the public entry points of the SDK's own dependencies.
    // (`unstable-core-do-not-import` is an entry of @trpc/server's exports: the type of a
    // subscription's tracked events, `TrackedData`, is declared there.)
    const allowed = [
      "@trpc/client",
      "@trpc/server",
      "@trpc/server/unstable-core-do-not-import",
      "./limits.js",
      "./limits.cjs",
    ];
    expect(specifiers(text).filter((s) => !allowed.includes(s))).toEqual([]);
  });

  it("erase the server's context: the router's root types are plain", async () => {
    const text = code(await read("dist/index.d.ts"));
    expect(text).toMatch(/ctx: object;\s*meta: object;/);
    expect(text.match(/\bctx\b/g)).toHaveLength(1);
    expect(text).toMatch(/transformer: true;/);
  });

  it("ESM and CJS declarations say the same", async () => {
    const esm = await read("dist/index.d.ts");
    const cjs = await read("dist/index.d.cts");
    expect(cjs.replaceAll("./limits.cjs", "./limits.js")).toBe(esm);
  });
});

describe("JavaScript", () => {
  it.each([
    ["dist/index.js", ["@trpc/client", "superjson"], 28],
    // superjson (and its two dependencies) are ESM only: the CommonJS build carries them inlined.
    ["dist/index.cjs", ["@trpc/client"], 64],
  ])("%s imports only %j", async (file, imports, kib) => {
    const text = await read(file);
    expect(specifiers(text)).toEqual(imports);
    expect(code(text)).not.toMatch(/initTRPC|prisma|fetchRequestHandler|node:|process\.|\bBuffer\b|@s3ssions\//i);
    expect(text.length).toBeLessThan(kib * 1024);
  });

  it("dist/index.cjs requires no ES module (require of ESM fails under Jest and before Node 20.19)", async () => {
    const require = createRequire(`${PACKAGE_DIR}dist/index.cjs`);
    for (const specifier of specifiers(await read("dist/index.cjs"))) {
      const resolved = require.resolve(specifier);
      const manifest = JSON.parse(await readFile(require.resolve(`${specifier}/package.json`), "utf8"));
      expect(resolved.endsWith(".cjs") || (resolved.endsWith(".js") && manifest.type !== "module"), resolved).toBe(
        true,
      );
    }
    const sdk = require("../dist/index.cjs");
    const wire = sdk.transformer.serialize({ at: new Date(0), ids: new Set(["a"]) });
    expect(sdk.transformer.deserialize(JSON.parse(JSON.stringify(wire)))).toEqual({
      at: new Date(0),
      ids: new Set(["a"]),
    });
  });

  it.each(["dist/limits.js", "dist/limits.cjs"])("%s has no imports at all (the server may load it)", async (file) => {
    expect(specifiers(await read(file))).toEqual([]);
  });

  it("limits are the server's numbers", async () => {
    const limits = await import("../dist/limits.js");
    expect({ ...limits }).toEqual({ MAX_BATCH_SIZE: 50, MAX_URL_LENGTH: 8192, DEFAULT_TIMEOUT_MS: 30_000 });
  });
});

describe("package.json", () => {
  it("points every entry at a built file, types first, ESM and CJS", async () => {
    const manifest = JSON.parse(await read("package.json"));
    const targets: string[] = [manifest.main, manifest.module, manifest.types];
    for (const [subpath, entry] of Object.entries(manifest.exports) as [string, unknown][]) {
      if (typeof entry === "string") {
        targets.push(entry);
        continue;
      }
      const conditions = entry as Record<string, Record<string, string>>;
      expect(Object.keys(conditions), subpath).toEqual(["import", "require"]);
      for (const condition of Object.values(conditions)) {
        expect(Object.keys(condition)[0], subpath).toBe("types");
        targets.push(...Object.values(condition));
      }
    }
    for (const target of targets) expect(existsSync(`${PACKAGE_DIR}${target}`), target).toBe(true);
    expect(manifest.exports["."].import.types).toBe("./dist/index.d.ts");
    expect(manifest.exports["."].require.types).toBe("./dist/index.d.cts");
  });

  it("publishes dist and docs only, side-effect free, with provenance, and depends on no workspace package", async () => {
    const manifest = JSON.parse(await read("package.json"));
    expect(manifest.files).toEqual(["dist", "README.md", "CHANGELOG.md"]);
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.publishConfig).toMatchObject({ access: "public", provenance: true });
    expect(manifest.private).toBeUndefined();
    expect(Object.keys(manifest.dependencies)).toEqual(["superjson"]);
    // tRPC is the app's: one copy in its tree, shared with @trpc/tanstack-react-query (which pins its own).
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["@trpc/client", "@trpc/server", "eventsource"]);
    // Node 20's EventSource for subscriptions: optional, so that npm never installs it for a browser app.
    expect(manifest.peerDependenciesMeta).toEqual({ eventsource: { optional: true } });
    expect(manifest.peerDependencies["@trpc/client"]).toMatch(/^\^11\./);
    // @trpc/client requires exactly its own version of @trpc/server.
    expect(manifest.peerDependencies["@trpc/server"]).toBe(manifest.peerDependencies["@trpc/client"]);
    expect(JSON.stringify(manifest)).not.toMatch(/workspace:/);
  });
});
