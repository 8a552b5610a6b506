import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyCheckout, freePort, REPO_ROOT } from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * A first run as a new user does it: a copy of this checkout as `git clone` would make it
 * (tracked and new files, nothing ignored) in a folder only its owner may enter — what
 * `mktemp -d`, a home folder and most containers give root — then the README's first
 * command, to a `/health/db` 200.
 */

let folder: string;
let checkout: string;
const dataRoots: string[] = [];

/** The README's first command, split on `&&`. */
function readmeFirstCommand(): string[] {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const block = readme.match(/```bash\n([\s\S]*?)```/)?.[1] ?? "";
  const line = block.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("#")) ?? "";
  return line.split("&&").map((part) => part.trim());
}

/** The environment of someone who has configured nothing yet. */
function freshEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(SUPABASE_|POSTGRES_|PG|S3SSIONS_|APP_ENV$|PORT$|VITEST|NODE_ENV$|TURBO_)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

interface Run {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

function pnpm(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn("pnpm", args, { cwd: checkout, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output, exited };
}

async function stopGroup(run: Run): Promise<number | null> {
  if (run.child.exitCode === null && run.child.signalCode === null) {
    try {
      process.kill(-(run.child.pid as number), "SIGTERM");
    } catch {
      // already gone
    }
  }
  return run.exited;
}

async function healthStatus(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/db`)).status;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "s3ssions-first-run-"));
  checkout = join(folder, "s3ssions");
  copyCheckout(checkout);
}, 120_000);

afterAll(async () => {
  for (const root of [folder, ...dataRoots]) if (root) await rm(root, { recursive: true, force: true });
});

describe("the README's first command, in a fresh checkout under a 0700 folder", () => {
  it("the checkout's folder is one only its owner may enter", async () => {
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
  });

  it("installs, then pnpm dev serves /health/db 200", async () => {
    const [installPnpm, install, dev] = readmeFirstCommand();
    const pinned = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).packageManager;
    expect(installPnpm).toBe(`npm install -g ${pinned}`);
    expect([install, dev]).toEqual(["pnpm install", "pnpm dev"]);
    // The pinned pnpm is what runs these tests: `npm install -g` would change nothing.
    expect(execFileSync("pnpm", ["--version"], { encoding: "utf8" }).trim()).toBe(pinned.split("@")[1]);

    const installed = pnpm(["install"], freshEnv({}));
    expect(await installed.exited, installed.output.join("")).toBe(0);

    const port = await freePort();
    const started = performance.now();
    const run = pnpm(["dev"], freshEnv({ PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()) }));
    try {
      let status = 0;
      while (status !== 200 && run.child.exitCode === null && performance.now() - started < 150_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await healthStatus(port);
      }
      const output = run.output.join("");
      expect(status, output).toBe(200);
      console.info(
        `first pnpm dev (uid ${process.getuid?.()}, 0700 folder): spawn → /health/db 200 in ${Math.round(performance.now() - started)} ms`,
      );
      const startLine = output.split("\n").find((line) => line.startsWith("Embedded Postgres")) ?? "";
      const reset = startLine.match(/rm -rf (\S+)/)?.[1];
      if (reset && !reset.startsWith(".data")) dataRoots.push(reset);
      if (process.getuid?.() === 0) {
        // Postgres runs as another user, which cannot enter the checkout: the line says where the data went.
        expect(startLine).toContain(`cannot enter ${join(checkout, ".data")}`);
        expect(startLine).not.toContain(`data in ${checkout}`);
      } else {
        expect(startLine).toContain(`data in ${join(checkout, ".data", "postgres")}`);
      }
    } finally {
      await stopGroup(run);
    }
  }, 240_000);

  it("a start that fails exits non-zero with one line saying what to do", async () => {
    const taken: Server = createServer();
    const pgPort = await freePort();
    await new Promise<void>((resolve) => taken.listen(pgPort, "127.0.0.1", resolve));
    const run = pnpm(["dev"], freshEnv({ PORT: String(await freePort()), EMBEDDED_PG_PORT: String(pgPort) }));
    try {
      const code = await Promise.race([
        run.exited,
        new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 90_000)),
      ]);
      const output = run.output.join("");
      expect(code, output).not.toBe(0);
      expect(code, output).not.toBe("still running");
      const said = output.split("\n").filter((line) => line.includes(`port ${pgPort} is taken`));
      expect(said, output).toHaveLength(1);
      expect(said[0]).toContain("set EMBEDDED_PG_PORT to another port");
    } finally {
      await stopGroup(run);
      taken.close();
    }
  }, 120_000);
});
