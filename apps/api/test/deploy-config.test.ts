import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "@s3ssions/testing";
import { describe, expect, it } from "vitest";

/** What a team deploying this repo as it is gets: Vercel's config and the GitHub workflows. */

const run = promisify(execFile);
const read = (path: string) => readFile(join(REPO_ROOT, path), "utf8");

describe("vercel.json on the Hobby plan", () => {
  it("declares no cron that runs more than once a day (Hobby refuses the deploy otherwise)", async () => {
    const config = JSON.parse(await read("vercel.json")) as { crons?: { path: string; schedule: string }[] };
    expect(config.crons?.length).toBeGreaterThan(0);
    for (const cron of config.crons ?? []) {
      // One fixed minute and one fixed hour: at most one run a day.
      expect(cron.schedule, cron.path).toMatch(/^\d{1,2} \d{1,2} \S+ \S+ \S+$/);
    }
  });
});

describe("GitHub workflows", () => {
  it("CI runs the README's test command on push and pull request, with Postgres and the repo's PgBouncer", async () => {
    const ci = await read(".github/workflows/ci.yml");
    expect(ci).toMatch(/^on:\n {2}push:[\s\S]*\n {2}pull_request:/m);
    // pnpm's version comes from packageManager: no `version:` for pnpm/action-setup.
    expect(ci).toMatch(/- uses: pnpm\/action-setup@v\d+\n\n/);
    expect(ci).toContain("cache: pnpm");
    expect(ci).toContain("path: .turbo/cache");
    expect(ci).toMatch(/services:\n\s+postgres:\n\s+image: postgres:/);
    expect(ci).toContain("bash .ci/pgbouncer/start.sh 6543");
    for (const step of ["pnpm install --frozen-lockfile", "pnpm lint", "pnpm typecheck", "pnpm test"]) {
      expect(ci).toContain(`- run: ${step}\n`);
    }
  });

  it("Release publishes the SDK with changesets and npm provenance", async () => {
    const release = await read(".github/workflows/release.yml");
    expect(release).toContain("uses: changesets/action@v1");
    expect(release).toContain("id-token: write");
    expect(release).toContain("NPM_CONFIG_PROVENANCE: true");
    const sdk = JSON.parse(await read("packages/client/package.json"));
    // npm provenance ties the package to its source repository: it must be named.
    expect(sdk.repository).toMatchObject({ type: "git", directory: "packages/client" });
    expect(sdk.repository.url).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    expect(sdk.publishConfig).toMatchObject({ access: "public", provenance: true });
  });

  it("pnpm lint runs actionlint over the workflows, and it catches a broken one", async () => {
    const scripts = JSON.parse(await read("package.json")).scripts as Record<string, string>;
    expect(scripts.lint).toContain("node .ci/lint-workflows.mjs");
    const ours = await run(process.execPath, [join(REPO_ROOT, ".ci/lint-workflows.mjs")], { cwd: REPO_ROOT });
    expect(ours.stdout).toMatch(/actionlint: 2 workflow\(s\), no problems/);

    const dir = await mkdtemp(join(tmpdir(), "s3ssions-workflows-"));
    try {
      await writeFile(
        join(dir, "broken.yml"),
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n",
      );
      const broken = await run(process.execPath, [join(REPO_ROOT, ".ci/lint-workflows.mjs"), dir]).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect("code" in broken ? broken.code : 0).toBe(1);
      expect("stderr" in broken ? broken.stderr : "").toMatch(/broken\.yml:6:.*nope/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
