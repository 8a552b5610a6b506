// The SDK as a frontend gets it: `pnpm pack`, then `npm install <tarball>` in a fresh
// project outside the monorepo, type-checked with strict settings and run against the API.
import { cp, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cleanEnv, npmInstall, type Packed, packSdk, REPO_ROOT, sh, versionOf } from "./pack.js";
import { createClient } from "../dist/index.js";
import { type RunningApi, sessionInput, startApi } from "./support.js";

const FIXTURE = fileURLToPath(new URL("fixtures/consumer", import.meta.url));

/** What the tarball may hold, and nothing else. */
const PACKED_FILES = [
  "CHANGELOG.md",
  "README.md",
  "dist/index.cjs",
  "dist/index.d.cts",
  "dist/index.d.ts",
  "dist/index.js",
  "dist/limits.cjs",
  "dist/limits.d.cts",
  "dist/limits.d.ts",
  "dist/limits.js",
  "package.json",
];
/** Everything `npm install <tarball> typescript @types/node` may bring. */
const ALLOWED_INSTALLS = new Set([
  "@s3ssions/client",
  "@trpc/client",
  "@trpc/server",
  "superjson",
  "copy-anything",
  "is-what",
  "typescript",
  "@types/node",
  "undici-types",
]);
// The README is about a quarter of it (13 KiB gzip with the Next.js, Expo and TypeScript sections).
const PACKED_SIZE_BUDGET = 56 * 1024;

async function installedPackages(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules)) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      for (const scoped of await readdir(join(nodeModules, entry))) names.push(`${entry}/${scoped}`);
    } else names.push(entry);
  }
  return names.sort();
}

// tsc, npm and Jest in child processes take minutes, not seconds, when the suites share a
// loaded 2-core machine: a ceiling against hangs, not a measurement.
vi.setConfig({ testTimeout: 240_000 });

let work: string;
let consumer: string;
let packed: Packed;
let api: RunningApi;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "s3ssions-sdk-"));
  consumer = join(work, "consumer");
  const apiReady = startApi("sdk_tarball");
  packed = await packSdk(work);
  await cp(FIXTURE, consumer, { recursive: true });
  const [typescript, typesNode] = await Promise.all([versionOf("typescript"), versionOf("@types/node")]);
  await npmInstall(consumer, [packed.filename, `typescript@${typescript}`, `@types/node@${typesNode}`]);
  api = await apiReady;
}, 180_000);

afterAll(async () => {
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the packed SDK", () => {
  it("holds the built package, its README and CHANGELOG, and nothing else", async () => {
    expect(work.startsWith(REPO_ROOT)).toBe(false);
    expect(packed.files.map((file) => file.path).sort()).toEqual(PACKED_FILES);
    const size = (await stat(packed.filename)).size;
    console.log(`@s3ssions/client tarball: ${(size / 1024).toFixed(1)} KiB packed`);
    expect(size).toBeLessThan(PACKED_SIZE_BUDGET);
  });

  it("installs with npm alone, bringing no server code, no Prisma, no pg", async () => {
    const installed = await installedPackages(join(consumer, "node_modules"));
    expect(installed).toContain("@s3ssions/client");
    expect(installed.filter((name) => !ALLOWED_INSTALLS.has(name))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(consumer, "node_modules/@s3ssions/client/package.json"), "utf8"));
    expect(JSON.stringify(manifest)).not.toMatch(/workspace:|@s3ssions\/(api|db|testing)/);
  });

  it("type-checks a consumer under NodeNext (ESM and CJS) and bundler, strict, skipLibCheck off", async () => {
    // Every `@ts-expect-error` in the consumer must meet a real error, or tsc fails on it.
    const tsc = join(consumer, "node_modules/typescript/bin/tsc");
    await sh(process.execPath, [tsc, "-p", "tsconfig.nodenext.json"], consumer);
    await sh(process.execPath, [tsc, "-p", "tsconfig.bundler.json"], consumer);
    const expectations = (await readFile(join(consumer, "src/esm.ts"), "utf8")).match(/@ts-expect-error/g) ?? [];
    expect(expectations.length).toBeGreaterThanOrEqual(9);
  });

  it("runs from Node ESM against the API: auth, typed dates, validation and error codes", async () => {
    const host = await api.user();
    const user = await api.user();
    const { stdout } = await sh(
      process.execPath,
      ["build/esm.js"],
      consumer,
      cleanEnv({ S3SSIONS_API_URL: api.baseUrl, HOST_TOKEN: host.token, USER_TOKEN: user.token }),
    );
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result).toMatchObject({
      module: "esm",
      health: "ok",
      connected: "connected",
      startsAtIsDate: true,
      bookingStatus: "confirmed",
      listed: true,
      mine: [result.bookingId],
      wrongType: "BAD_REQUEST",
      unknownField: "BAD_REQUEST",
      wrongLimit: "BAD_REQUEST",
      missing: "BAD_REQUEST",
      fieldErrors: ["sessionId"],
      unauthorized: "UNAUTHORIZED",
      branch: "sign-in",
      conflict: "CONFLICT",
      advice: "reload and retry",
      limits: [50, 8192],
    });
  });

  it("one client shared by a server's requests: each call carries its own caller's token, 20 rounds × 3 users", async () => {
    const users = [];
    for (let i = 0; i < 3; i++) {
      const user = await api.user();
      const client = createClient({ url: api.baseUrl, getAccessToken: () => user.token });
      const host = await api.user();
      const session = await createClient({ url: api.baseUrl, getAccessToken: () => host.token }).sessions.create.mutate(
        sessionInput({ title: `Shared client ${i}` }),
      );
      const booking = await client.bookings.create.mutate({ sessionId: session.id });
      users.push({ id: user.id, token: user.token, bookingId: booking.id });
    }
    const { stdout } = await sh(
      process.execPath,
      ["build/shared-server.js"],
      consumer,
      cleanEnv({ S3SSIONS_API_URL: api.baseUrl, USERS: JSON.stringify(users), ROUNDS: "20" }),
    );
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result).toEqual({ served: 60, crossed: 0, rethrown: ["as thrown", "as thrown"] });
  });

  it("runs from Node CJS: require() gets the CommonJS build", async () => {
    expect(await readFile(join(consumer, "build/cjs.cjs"), "utf8")).toMatch(/require\("@s3ssions\/client"\)/);
    const { stdout } = await sh(
      process.execPath,
      ["build/cjs.cjs"],
      consumer,
      cleanEnv({ S3SSIONS_API_URL: api.baseUrl }),
    );
    expect(JSON.parse(stdout.trim())).toEqual({
      module: "cjs",
      check: "ok",
      db: "connected",
      pageIsArray: true,
      code: "BAD_REQUEST",
      unauthorized: true,
      maxBatchSize: 50,
    });
  });
});
