// The SDK where frontends live: the packed tarball installed with a plain `npm install`
// next to @trpc/tanstack-react-query (as create-t3-turbo apps do), a TanStack Query data
// layer type-checked strictly and run against the API, SSR hydration with the SDK's
// transformer, and a CommonJS Jest suite with Jest's default configuration.
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cleanEnv, npmInstall, packSdk, REPO_ROOT, sh, versionOf } from "./pack.js";
import { type RunningApi, startApi } from "./support.js";

const FIXTURE = fileURLToPath(new URL("fixtures/frontend", import.meta.url));
const EXAMPLE_WEB = join(REPO_ROOT, "apps/web");
/** Not a dependency of the monorepo: the Jest a consumer would install today. */
const JEST_VERSION = "30.5.2";

/** Every installed copy of `name` in a tree, nested ones included. */
async function copiesOf(nodeModules: string, name: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith(".")) continue;
      const scoped = entry.startsWith("@") ? (await readdir(join(dir, entry))).map((s) => `${entry}/${s}`) : [entry];
      for (const pkg of scoped) {
        const path = join(dir, pkg);
        if (pkg === name) found.push(JSON.parse(await readFile(join(path, "package.json"), "utf8")).version);
        await walk(join(path, "node_modules"));
      }
    }
  };
  await walk(nodeModules);
  return found;
}

// tsc, npm and Jest in child processes take minutes, not seconds, when the suites share a
// loaded 2-core machine: a ceiling against hangs, not a measurement.
vi.setConfig({ testTimeout: 240_000 });

let work: string;
let consumer: string;
let api: RunningApi;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "s3ssions-frontend-"));
  consumer = join(work, "frontend");
  const apiReady = startApi("sdk_frontend");
  const packed = await packSdk(work);
  await cp(FIXTURE, consumer, { recursive: true });
  // The example app's versions: what the monorepo tests in a browser is what a consumer gets here.
  const fromWeb = ["@trpc/tanstack-react-query", "@tanstack/react-query", "react", "@types/react"];
  const versions = await Promise.all(fromWeb.map((name) => versionOf(name, EXAMPLE_WEB)));
  const [typescript, typesNode] = await Promise.all([versionOf("typescript"), versionOf("@types/node")]);
  await npmInstall(consumer, [
    packed.filename,
    ...fromWeb.map((name, i) => `${name}@${versions[i]}`),
    `typescript@${typescript}`,
    `@types/node@${typesNode}`,
    `jest@${JEST_VERSION}`,
  ]);
  api = await apiReady;
}, 300_000);

afterAll(async () => {
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("next to @trpc/tanstack-react-query", () => {
  it("a plain npm install resolves one tRPC: one @trpc/client, one @trpc/server", async () => {
    expect(work.startsWith(REPO_ROOT)).toBe(false);
    const nodeModules = join(consumer, "node_modules");
    expect(await copiesOf(nodeModules, "@trpc/client")).toHaveLength(1);
    expect(await copiesOf(nodeModules, "@trpc/server")).toHaveLength(1);
    await sh("npm", ["ls", "--all", "@trpc/client", "@trpc/server"], consumer);
  });

  it("type-checks a TanStack Query data layer strictly, declarations included (a shared data-layer package), wrong inputs refused", async () => {
    const tsc = join(consumer, "node_modules/typescript/bin/tsc");
    await sh(process.execPath, [tsc, "-p", "tsconfig.json"], consumer);
    await sh(process.execPath, [tsc, "-p", "tsconfig.declaration.json"], consumer);
    const expectations = (await readFile(join(consumer, "src/data-layer.mts"), "utf8")).match(/@ts-expect-error/g);
    expect(expectations?.length).toBeGreaterThanOrEqual(5);
  });

  it("runs it against the API: Dates after fetchQuery, infinite pages, and Dates again after dehydrate → JSON → hydrate", async () => {
    const host = await api.user();
    const user = await api.user();
    const { stdout } = await sh(
      process.execPath,
      ["build/run.mjs"],
      consumer,
      cleanEnv({ S3SSIONS_API_URL: api.baseUrl, HOST_TOKEN: host.token, HOST_ID: host.id, USER_TOKEN: user.token }),
    );
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result).toEqual({
      fetchedIsDate: true,
      pages: [["TanStack 0", "TanStack 1"], ["TanStack 2"]],
      pageParams: ["undefined", "string"],
      bookingStatus: "confirmed",
      mine: [result.firstId],
      unauthorized: "UNAUTHORIZED",
      hydratedIsDate: true,
      hydratedPagesAreDates: true,
      withoutTransformer: "string",
      firstId: result.firstId,
    });
  });
});

describe("CommonJS under Jest", () => {
  it("runs a CommonJS suite against the API with Jest's default configuration", async () => {
    const jest = join(consumer, "node_modules/jest/bin/jest.js");
    const { stderr } = await sh(
      process.execPath,
      [jest, "--ci"],
      consumer,
      cleanEnv({ S3SSIONS_API_URL: api.baseUrl }),
    );
    expect(stderr).toMatch(/Tests:\s+3 passed, 3 total/);
  });
});
