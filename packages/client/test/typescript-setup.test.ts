// The README's "TypeScript setup", checked where it must hold: a project on the packed SDK,
// installed with npm next to the lowest and the newest tRPC in the SDK's peer range.
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { npmInstall, PACKAGE_DIR, packSdk, sh, versionOf } from "./pack.js";

const FIXTURE = fileURLToPath(new URL("fixtures/typescript-setup", import.meta.url));
/** The lowest release in the peer range `^11.22.0` (11.22.0 was never published). */
const LOWEST = "11.22.1";

// npm and tsc in child processes on a loaded 2-core machine: a ceiling against hangs.
vi.setConfig({ testTimeout: 120_000 });

let work: string;
let newest: string;
const projects = new Map<string, string>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "s3ssions-ts-setup-"));
  // The tRPC the monorepo builds and tests the SDK with is the newest it supports.
  newest = await versionOf("@trpc/client", PACKAGE_DIR);
  const packed = await packSdk(work);
  const [typescript, typesNode] = await Promise.all([versionOf("typescript"), versionOf("@types/node")]);
  // npm's cache (--prefer-offline) makes a repeated run cost seconds; both installs run at once.
  await Promise.all(
    [LOWEST, newest].map(async (version) => {
      const dir = join(work, `trpc-${version}`);
      await mkdir(dir);
      await cp(FIXTURE, dir, { recursive: true });
      await npmInstall(dir, [
        packed.filename,
        `@trpc/client@${version}`,
        `@trpc/server@${version}`,
        `typescript@${typescript}`,
        `@types/node@${typesNode}`,
      ]);
      projects.set(version, dir);
    }),
  );
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function tsc(version: string, config: string): Promise<{ ok: boolean; output: string }> {
  const dir = projects.get(version)!;
  try {
    await sh(process.execPath, [join(dir, "node_modules/typescript/bin/tsc"), "-p", config], dir);
    return { ok: true, output: "" };
  } catch (error) {
    return { ok: false, output: (error as Error).message };
  }
}

describe("the peer range", () => {
  it("starts at the lowest version checked here", async () => {
    const manifest = JSON.parse(await readFile(join(PACKAGE_DIR, "package.json"), "utf8"));
    expect(manifest.peerDependencies["@trpc/client"]).toBe("^11.22.0");
    expect(newest).toMatch(/^11\./);
  });
});

describe.each([LOWEST, "newest"])("tRPC %s", (label) => {
  const version = () => (label === "newest" ? newest : label);

  it("installs as the only tRPC in the project", async () => {
    const dir = projects.get(version())!;
    for (const name of ["@trpc/client", "@trpc/server"]) {
      const manifest = JSON.parse(await readFile(join(dir, "node_modules", name, "package.json"), "utf8"));
      expect(manifest.version).toBe(version());
    }
  });

  it("an app (bundler, DOM, no Node types) type-checks strictly with skipLibCheck: true", async () => {
    expect(await tsc(version(), "tsconfig.app.json")).toEqual({ ok: true, output: "" });
  });

  it("a Node project (NodeNext, @types/node, no DOM) type-checks strictly with skipLibCheck: true", async () => {
    expect(await tsc(version(), "tsconfig.node.json")).toEqual({ ok: true, output: "" });
  });
});

describe("skipLibCheck: false", () => {
  it(`type-checks with the newest tRPC (DOM and ESNext.Disposable in lib)`, async () => {
    expect(await tsc(newest, "tsconfig.libcheck.json")).toEqual({ ok: true, output: "" });
  });

  it(`fails with tRPC ${LOWEST}, in tRPC's own WebSocket declarations, not the SDK's`, async () => {
    const { ok, output } = await tsc(LOWEST, "tsconfig.libcheck.json");
    expect(ok).toBe(false);
    expect(output).toMatch(
      /node_modules\/@trpc\/server\/dist\/ws-[^(]+\(\d+,\d+\): error TS2307: Cannot find module 'ws'/,
    );
    const errors = output.split("\n").filter((line) => /error TS\d+/.test(line));
    expect(errors.filter((line) => !line.includes("node_modules/@trpc/server/"))).toEqual([]);
  });
});
