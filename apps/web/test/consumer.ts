// The example app as a user's app is built: the SDK packed (`pnpm pack`), the app's files
// copied to a folder outside the monorepo, installed there with a plain `npm install`, built
// with `next build` and served with `next start`.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { cp, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cleanEnv, sh } from "@s3ssions/testing";

export const APP_DIR = fileURLToPath(new URL("..", import.meta.url));
const SDK_DIR = fileURLToPath(new URL("../../../packages/client", import.meta.url));
/** What an app's repository holds; no test, no build output. */
const APP_FILES = ["src", "next.config.ts", "tsconfig.json"];
/** Workspace-only dependencies, and tRPC itself: npm installs the one @trpc/tanstack-react-query pins. */
const NOT_FROM_NPM = ["@s3ssions/client", "@s3ssions/app-api", "@s3ssions/testing", "@trpc/client", "@trpc/server"];

/** A command's environment: no pnpm `npm_*` variables, no Next.js telemetry. */
const appEnv = (extra: Record<string, string> = {}) => cleanEnv({ NEXT_TELEMETRY_DISABLED: "1", ...extra });

/** Copies the app into `dir` with the packed SDK in place of the workspace one, and installs it with npm. */
export async function installApp(dir: string): Promise<void> {
  const { stdout } = await sh("pnpm", ["pack", "--pack-destination", dir, "--json"], SDK_DIR, process.env);
  const tarball: string = JSON.parse(stdout).filename;
  for (const file of APP_FILES) await cp(join(APP_DIR, file), join(dir, file), { recursive: true });
  // One page more, for the test only: hydration from a QueryClient without the SDK's transformer.
  await cp(join(APP_DIR, "test/fixtures/without-transformer"), join(dir, "src/app/without-transformer"), {
    recursive: true,
  });
  const manifest = JSON.parse(await readFile(join(APP_DIR, "package.json"), "utf8"));
  const pick = (deps: Record<string, string>) =>
    Object.fromEntries(Object.entries(deps).filter(([name]) => !NOT_FROM_NPM.includes(name)));
  // The monorepo's TypeScript and Node types: Next type-checks the app during its build.
  const root = JSON.parse(await readFile(join(APP_DIR, "../../package.json"), "utf8"));
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({
      name: "s3ssions-next-app",
      private: true,
      type: "module",
      scripts: { build: "next build", start: "next start" },
      dependencies: { "@s3ssions/client": `file:${tarball}`, ...pick(manifest.dependencies) },
      devDependencies: {
        ...pick(manifest.devDependencies),
        typescript: root.devDependencies.typescript,
        "@types/node": root.devDependencies["@types/node"],
      },
    }),
  );
  await sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], dir, appEnv());
}

/** `next build` in `dir`; its output (the route table says which routes render per request). */
export async function buildApp(dir: string): Promise<string> {
  const { stdout, stderr } = await sh(process.execPath, ["node_modules/next/dist/bin/next", "build"], dir, appEnv());
  return stdout + stderr;
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface NextServer {
  origin: string;
  output: string[];
  stop(): Promise<void>;
}

/** `next start` on `port`, waiting until it answers. */
export async function startApp(dir: string, port: number, env: Record<string, string>): Promise<NextServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["node_modules/next/dist/bin/next", "start", "--port", String(port), "--hostname", "127.0.0.1"],
    { cwd: dir, env: appEnv(env), stdio: ["ignore", "pipe", "pipe"] },
  );
  const output: string[] = [];
  child.stdout?.on("data", (chunk) => output.push(String(chunk)));
  child.stderr?.on("data", (chunk) => output.push(String(chunk)));
  const origin = `http://127.0.0.1:${port}`;
  const exited = once(child, "exit");
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output.join("")}`);
    try {
      await fetch(`${origin}/favicon.ico`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`next start not answering after 60 s:\n${output.join("")}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    origin,
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
