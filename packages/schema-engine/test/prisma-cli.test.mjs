// End-to-end tests: the real Prisma 7.10 CLI through `prisma-offline`, with the Wasm schema
// engine shim, against scratch databases on the local PostgreSQL server.

import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { migrateDeploy, migrateStatus } from "../src/index.mjs";
import {
  appliedMigrations,
  ENGINE_HASH,
  output,
  prisma,
  query,
  repoRoot,
  scratchName,
  shadowDatabases,
  tableNames,
  tempProject,
  urlFor,
  useScratchServer,
  withClient,
  writeMigration,
  writeSchema,
} from "./helpers.mjs";

const repoMigrations = path.join(repoRoot, "prisma/migrations");

/** The tables the repo's schema maps its models to (`@@map`), sorted: what migrations must create. */
async function schemaTables() {
  const schema = await readFile(path.join(repoRoot, "prisma/schema.prisma"), "utf8");
  return [...schema.matchAll(/@@map\("([^"]+)"\)/g)].map((m) => m[1]).sort();
}
const repoSchema = path.join(repoRoot, "prisma/schema.prisma");

useScratchServer();

// Each test has its own scratch database and project directory: they run concurrently.
describe.concurrent("prisma-offline: the Prisma 7.10 CLI with the Wasm engine", () => {
  it("chooses the Wasm shim when no engine is configured or cached", async () => {
    const r = await prisma(["--version"]);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`Schema Engine\\s*: schema-engine-cli ${ENGINE_HASH} \\(at .*schema-engine\\.mjs`),
    );
  });

  it("generate", async () => {
    const project = await tempProject("model A {\n  id Int @id\n}\n");
    try {
      await writeSchema(
        project.dir,
        "model A {\n  id Int @id\n}\n",
        'generator client {\n  provider = "prisma-client"\n  output   = "./generated"\n}\n',
      );
      const r = await prisma(["generate", "--config", project.config]);
      expect(r.code, output(r)).toBe(0);
      expect(existsSync(path.join(project.dir, "generated/client.ts"))).toBe(true);
    } finally {
      await project.remove();
    }
  });

  it("migrate deploy creates the database and applies the repo's migrations; status agrees", async () => {
    const db = scratchName();
    const env = { SUPABASE_DB_URL: urlFor(db) };
    const deploy = await prisma(["migrate", "deploy"], { env });
    expect(deploy.code, output(deploy)).toBe(0);
    expect(deploy.stdout).toContain(`database ${db} created`);

    const dirs = (await readdir(repoMigrations, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const rows = await appliedMigrations(db);
    expect(rows.map((r) => r.migration_name)).toEqual(dirs.sort());
    expect(rows.every((r) => r.finished && !r.rolled_back)).toBe(true);
    expect(await tableNames(db)).toEqual(["_prisma_migrations", ...(await schemaTables())]);

    // the hand-written parts of the initial migration are in force
    await withClient(db, async (c) => {
      const session = (/** @type {number} */ capacity, confirmed = 0) =>
        c.query(
          `INSERT INTO sessions (id, host_id, title, starts_at, ends_at, timezone, capacity, confirmed_count, updated_at)
           VALUES (gen_random_uuid(), gen_random_uuid(), 't', now(), now() + interval '1 hour', 'UTC', $1, $2, now())
           RETURNING id`,
          [capacity, confirmed],
        );
      await expect(session(0)).rejects.toMatchObject({ code: "23514" });
      await expect(session(2, 3)).rejects.toMatchObject({ code: "23514" });
      const { rows: s } = await session(2);
      const sessionId = s[0].id;
      const user = "00000000-0000-4000-8000-000000000001";
      const book = (/** @type {string} */ status) =>
        c.query(
          `INSERT INTO bookings (id, session_id, user_id, status, updated_at)
           VALUES (gen_random_uuid(), $1, $2, $3, now()) RETURNING id`,
          [sessionId, user, status],
        );
      const { rows: b } = await book("confirmed");
      await expect(book("waitlisted")).rejects.toMatchObject({
        code: "23505",
        constraint: "bookings_one_active_per_user",
      });
      await c.query("UPDATE bookings SET status = 'cancelled' WHERE id = $1", [b[0].id]);
      await book("confirmed");
      await book("cancelled"); // cancelled ones may repeat
    });

    const status = await prisma(["migrate", "status"], { env });
    expect(status.code, output(status)).toBe(0);
    expect(status.stdout).toContain("Database schema is up to date!");
  });

  it("migrate diff --exit-code: the repo has no drift (0), a schema change is drift (2)", async () => {
    const db = scratchName();
    const env = { SUPABASE_DB_URL: urlFor(db) };
    await withClient("postgres", (c) => c.query(`CREATE DATABASE "${db}"`));
    const shadowsBefore = await shadowDatabases();

    const clean = await prisma(
      ["migrate", "diff", "--from-migrations", repoMigrations, "--to-schema", repoSchema, "--exit-code"],
      { env },
    );
    expect(clean.code, output(clean)).toBe(0);
    expect(clean.stdout).toContain("No difference detected.");

    const changed = path.join(await tempProject("").then((p) => p.dir), "changed.prisma");
    const schema = await readFile(repoSchema, "utf8");
    const edited = schema.replace(/(\n\s*kind\s+String[^\n]*\n)/, "$1  priority    Int        @default(0)\n");
    expect(edited).not.toBe(schema);
    await writeFile(changed, edited);
    const drift = await prisma(
      ["migrate", "diff", "--from-migrations", repoMigrations, "--to-schema", changed, "--exit-code"],
      { env },
    );
    expect(drift.code, output(drift)).toBe(2);
    expect(drift.stdout).toContain("Added column `priority`");

    // the temporary shadow databases are gone (concurrent tests may have one alive briefly:
    // a leaked one stays)
    /** @type {string[]} */
    let leftovers = [];
    for (let i = 0; i < 20; i++) {
      leftovers = (await shadowDatabases()).filter((n) => !shadowsBefore.includes(n));
      if (leftovers.length === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(leftovers).toEqual([]);
  });

  it("migrate dev (create + apply through the shadow database), then migrate reset --force", async () => {
    const project = await tempProject(
      "model Author {\n  id   Int    @id @default(autoincrement())\n  name String\n}\n",
    );
    const first = scratchName();
    const second = scratchName();
    try {
      const init = await prisma(["migrate", "dev", "--name", "init", "--config", project.config], {
        env: { TEST_DB_URL: urlFor(first) },
      });
      expect(init.code, output(init)).toBe(0);
      expect(await tableNames(first)).toEqual(["Author", "_prisma_migrations"]);

      // On another database, `init` is pending: migrate dev applies it, then creates the next
      // migration (the Wasm engine needs the migrations' schema from the shadow database again).
      await writeSchema(
        project.dir,
        'model Author {\n  id   Int    @id @default(autoincrement())\n  name String\n  bio  String @default("")\n}\n\nmodel Post {\n  id Int @id @default(autoincrement())\n}\n',
      );
      const env = { TEST_DB_URL: urlFor(second) };
      const next = await prisma(["migrate", "dev", "--name", "add_post", "--config", project.config], { env });
      expect(next.code, output(next)).toBe(0);

      const dirs = (await readdir(project.migrationsDir)).sort();
      expect(dirs).toHaveLength(3);
      expect(dirs[0]).toMatch(/^\d{14}_init$/);
      expect(dirs[1]).toMatch(/^\d{14}_add_post$/);
      expect(dirs[2]).toBe("migration_lock.toml");
      const sql = await readFile(path.join(project.migrationsDir, dirs[1], "migration.sql"), "utf8");
      expect(sql).toContain('CREATE TABLE "Post"');
      expect(sql).toContain('ADD COLUMN     "bio"');
      expect((await appliedMigrations(second)).map((r) => r.migration_name)).toEqual(dirs.slice(0, 2));
      expect(await tableNames(second)).toEqual(["Author", "Post", "_prisma_migrations"]);

      const status = await prisma(["migrate", "status", "--config", project.config], { env });
      expect(status.code, output(status)).toBe(0);

      await query(second, `INSERT INTO "Author" (name) VALUES ('someone')`);
      const reset = await prisma(["migrate", "reset", "--force", "--config", project.config], { env });
      expect(reset.code, output(reset)).toBe(0);
      expect(await query(second, `SELECT count(*)::int AS n FROM "Author"`)).toEqual([{ n: 0 }]);
      expect((await appliedMigrations(second)).map((r) => r.migration_name)).toEqual(dirs.slice(0, 2));
    } finally {
      await project.remove();
    }
  });

  it("a failed migration is atomic (dollar-quoted body included); migrate resolve recovers", async () => {
    const project = await tempProject("model A {\n  id Int @id\n}\n");
    const db = scratchName();
    const env = { TEST_DB_URL: urlFor(db) };
    const cli = (/** @type {string[]} */ args) => prisma([...args, "--config", project.config], { env });
    try {
      await writeMigration(
        project.migrationsDir,
        "20240101000000_a",
        'CREATE TABLE "A" ("id" INTEGER NOT NULL PRIMARY KEY);\n',
      );
      const fn = `CREATE FUNCTION bump(x integer) RETURNS integer LANGUAGE plpgsql AS $body$
DECLARE y integer;
BEGIN
  y := x + 1; -- a ';' inside the body
  RETURN y;
END;
$body$;
CREATE TABLE "B" ("id" INTEGER);
`;
      await writeMigration(project.migrationsDir, "20240102000000_b", `${fn}SELECT 1/0;\n`);

      const failed = await cli(["migrate", "deploy"]);
      expect(failed.code, output(failed)).toBe(1);
      expect(failed.stderr).toContain("P3018");
      expect(failed.stderr).toContain("division by zero");
      // nothing of migration b persisted
      expect(await tableNames(db)).toEqual(["A", "_prisma_migrations"]);
      expect(await query(db, "SELECT 1 FROM pg_proc WHERE proname = 'bump'")).toHaveLength(0);

      const status = await cli(["migrate", "status"]);
      expect(status.code, output(status)).toBe(1);
      expect(status.stdout + status.stderr).toContain("20240102000000_b");

      const rolledBack = await cli(["migrate", "resolve", "--rolled-back", "20240102000000_b"]);
      expect(rolledBack.code, output(rolledBack)).toBe(0);
      await writeMigration(project.migrationsDir, "20240102000000_b", fn);
      const fixed = await cli(["migrate", "deploy"]);
      expect(fixed.code, output(fixed)).toBe(0);
      expect(await query(db, "SELECT bump(41) AS v")).toEqual([{ v: 42 }]);

      // a hotfix applied by hand, then recorded
      await query(db, 'CREATE TABLE "C" ("id" INTEGER)');
      await writeMigration(project.migrationsDir, "20240103000000_c", 'CREATE TABLE "C" ("id" INTEGER);\n');
      const applied = await cli(["migrate", "resolve", "--applied", "20240103000000_c"]);
      expect(applied.code, output(applied)).toBe(0);
      const rows = await appliedMigrations(db);
      expect(rows.filter((r) => r.finished && !r.rolled_back).map((r) => r.migration_name)).toEqual([
        "20240101000000_a",
        "20240102000000_b",
        "20240103000000_c",
      ]);
      expect(rows.filter((r) => r.rolled_back).map((r) => r.migration_name)).toEqual(["20240102000000_b"]);

      const ok = await cli(["migrate", "status"]);
      expect(ok.code, output(ok)).toBe(0);
    } finally {
      await project.remove();
    }
  });

  it("db push", async () => {
    const db = scratchName();
    const r = await prisma(["db", "push"], { env: { SUPABASE_DB_URL: urlFor(db) } });
    expect(r.code, output(r)).toBe(0);
    expect(await tableNames(db)).toEqual(await schemaTables());
  });

  it("programmatic migrateDeploy, then the CLI's migrate status says up to date", async () => {
    const db = scratchName();
    const url = urlFor(db);
    const applied = await migrateDeploy({ url, migrationsDir: repoMigrations });
    const dirs = (await readdir(repoMigrations, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(applied).toEqual(dirs.sort());
    expect(await migrateDeploy({ url, migrationsDir: repoMigrations })).toEqual([]);
    expect(await migrateStatus({ url, migrationsDir: repoMigrations })).toMatchObject({
      upToDate: true,
      unappliedMigrationNames: [],
      failedMigrationNames: [],
    });

    const status = await prisma(["migrate", "status"], { env: { SUPABASE_DB_URL: url } });
    expect(status.code, output(status)).toBe(0);
    expect(status.stdout).toContain("Database schema is up to date!");
  });
});
