// Which test tasks a change reruns, without running any: `turbo run test --dry=json` before
// and after a small edit, comparing each test task's hash (a changed hash is a cache miss,
// locally and in the remote cache alike). Each edit is undone before the next one.
//   usage: node .ci/cache-check.mjs        (exits 1 if a scenario reruns more or less than it should)
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Test task hashes by package name; packages without a test script are left out. */
function testHashes() {
  const out = execFileSync("pnpm", ["exec", "turbo", "run", "test", "--dry=json"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
  const dry = JSON.parse(out);
  return new Map(
    dry.tasks.filter((t) => t.task === "test" && t.command !== "<NONEXISTENT>").map((t) => [t.package, t.hash]),
  );
}

/** The first file (by name) under `dir`, relative to the root, or undefined. */
function firstFile(dir) {
  if (!existsSync(join(root, dir))) return undefined;
  const files = readdirSync(join(root, dir), { recursive: true, withFileTypes: true }).filter((entry) =>
    entry.isFile(),
  );
  const first = files.map((entry) => join(entry.parentPath, entry.name)).sort()[0];
  return first?.slice(root.length);
}

const DATABASE_SUITES = [
  "@s3ssions/api",
  "@s3ssions/app-api",
  "@s3ssions/client",
  "@s3ssions/db",
  "@s3ssions/example-web",
  "@s3ssions/local-postgres",
  "@s3ssions/schema-engine",
];

/** An edit to one file (appended line) or a new file, and the test tasks it must rerun. */
const scenarios = [
  { name: "README.md only", append: "README.md", text: "\n<!-- cache check -->\n", reruns: [] },
  {
    name: "apps/web/src only",
    // Any source file of the app (Vite today, Next.js later).
    append: firstFile("apps/web/src") ?? firstFile("apps/web/app"),
    text: "\n// cache check\n",
    reruns: ["@s3ssions/example-web"],
  },
  {
    name: "packages/client/src (the SDK and its dependents)",
    append: "packages/client/src/index.ts",
    text: "\n// cache check\n",
    reruns: ["@s3ssions/app-api", "@s3ssions/client", "@s3ssions/example-web"],
  },
  {
    name: "a new migration (every database-backed suite)",
    create: "prisma/migrations/99999999999999_cache_check/migration.sql",
    text: "-- cache check\n",
    reruns: DATABASE_SUITES,
  },
  {
    name: "packages/testing/src (every suite that uses the test rig)",
    append: firstFile("packages/testing/src"),
    text: "\n// cache check\n",
    // …and the rig's own tests (the fault proxy).
    reruns: [...DATABASE_SUITES.filter((name) => name !== "@s3ssions/schema-engine"), "@s3ssions/testing"].sort(),
  },
  {
    name: "the PgBouncer config",
    append: ".ci/pgbouncer/pgbouncer.ini",
    text: "\n; cache check\n",
    reruns: DATABASE_SUITES,
  },
  {
    name: "a test file of packages/api only",
    append: firstFile("packages/api/test"),
    text: "\n// cache check\n",
    reruns: ["@s3ssions/api"],
  },
];

const baseline = testHashes();
console.log(`test tasks: ${[...baseline.keys()].join(", ")}`);
let failed = 0;
for (const scenario of scenarios) {
  const path = join(root, scenario.append ?? scenario.create);
  const before = scenario.append ? readFileSync(path) : undefined;
  let rerun;
  try {
    if (before) appendFileSync(path, scenario.text);
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, scenario.text);
    }
    const after = testHashes();
    rerun = [...after].filter(([name, hash]) => baseline.get(name) !== hash).map(([name]) => name);
  } finally {
    if (before) writeFileSync(path, before);
    else rmSync(dirname(path), { recursive: true, force: true });
  }
  const ok = JSON.stringify(rerun.sort()) === JSON.stringify([...scenario.reruns].sort());
  if (!ok) failed += 1;
  console.log(`${ok ? "ok  " : "FAIL"} ${scenario.name}: reruns ${rerun.length ? rerun.join(", ") : "no test task"}`);
  if (!ok) console.log(`     expected ${scenario.reruns.length ? scenario.reruns.join(", ") : "no test task"}`);
}
const unchanged = testHashes();
if ([...unchanged].some(([name, hash]) => baseline.get(name) !== hash)) {
  console.log("FAIL the checkout did not come back to its first hashes");
  failed += 1;
}
console.log(
  failed ? `cache-check: ${failed} scenario(s) wrong` : `cache-check: ${scenarios.length} scenarios as expected`,
);
process.exit(failed ? 1 : 0);
