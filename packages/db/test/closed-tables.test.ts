import {
  type TestDatabase,
  createTestDatabase,
  findOpenAccess,
  sql,
  tablesWithoutRls,
} from "@s3ssions/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../src/database.js";
import { seedDemoData } from "../src/seed/index.js";

// The test databases are made as on a real Supabase project: the API roles and their
// default grants exist before the first migration runs (packages/testing/supabase-roles).

describe("closed tables: the Data API's roles get into nothing", () => {
  let tdb: TestDatabase;

  beforeAll(async () => {
    tdb = await createTestDatabase("closed");
    const db = createDatabase({ url: tdb.directUrl });
    try {
      await seedDemoData((await db.ready()), { sessions: 60 });
    } finally {
      await db.close();
    }
    await sql(
      tdb.directUrl,
      `INSERT INTO tasks (id, kind, payload, updated_at) VALUES (gen_random_uuid(), 'booking.confirmed', '{}', now());
       INSERT INTO rate_limits (user_id, action, window_start, hits) VALUES (gen_random_uuid(), 'bookings.create', now(), 1)`,
    );
  });
  afterAll(() => tdb?.drop());

  it("the database is set up as Supabase's: the roles exist and hold default grants on public", async () => {
    const roles = await sql<{ rolname: string }>(
      tdb.directUrl,
      "SELECT rolname FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY 1",
    );
    expect(roles.map((r) => r.rolname)).toEqual(["anon", "authenticated", "service_role"]);
    const defaults = await sql<{ acl: string }>(
      tdb.directUrl,
      "SELECT defaclacl::text AS acl FROM pg_default_acl WHERE defaclobjtype = 'r'",
    );
    expect(defaults.map((d) => d.acl).join()).toMatch(/anon=arwdDxt/);
  });

  it("anon and authenticated can read, write, delete or truncate no table and no sequence of public", async () => {
    const counts = await sql<{ bookings: number; sessions: number }>(
      tdb.directUrl,
      "SELECT (SELECT count(*) FROM bookings)::int AS bookings, (SELECT count(*) FROM sessions)::int AS sessions",
    );
    expect(counts[0]?.bookings).toBeGreaterThan(0); // there is something to leak
    expect(counts[0]?.sessions).toBe(60);
    expect(await findOpenAccess(tdb.directUrl, ["anon", "authenticated"])).toEqual([]);
  });

  it("every table of public has Row Level Security, _prisma_migrations included", async () => {
    const tables = await sql<{ name: string }>(
      tdb.directUrl,
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(["_prisma_migrations", "bookings", "rate_limits", "sessions", "tasks"]),
    );
    expect(await tablesWithoutRls(tdb.directUrl)).toEqual([]);
  });

  it("service_role (BYPASSRLS) holds no grant either", async () => {
    expect(await findOpenAccess(tdb.directUrl, ["service_role"])).toEqual([]);
  });

  it("a table left open is found: the check can fail", async () => {
    const scratch = await createTestDatabase("closedneg");
    try {
      // A new table from a future migration that forgot to close it: Supabase's default
      // grants hand it to the API roles, and without RLS every row is theirs.
      await sql(scratch.directUrl, "CREATE TABLE public.left_open (id int PRIMARY KEY, note text)");
      const open = await findOpenAccess(scratch.directUrl, ["anon", "authenticated"]);
      expect(open).toEqual(
        expect.arrayContaining(["anon select left_open", "anon delete left_open", "authenticated insert left_open"]),
      );
      expect(open.every((access) => access.endsWith(" left_open"))).toBe(true);
      expect(await tablesWithoutRls(scratch.directUrl)).toEqual(["left_open"]);
      // RLS alone is not enough: TRUNCATE ignores it, so the grants must go too.
      await sql(scratch.directUrl, "ALTER TABLE public.left_open ENABLE ROW LEVEL SECURITY");
      expect(await findOpenAccess(scratch.directUrl, ["anon"])).toContain("anon truncate left_open");
    } finally {
      await scratch.drop();
    }
  });

  it("the table owner, not a superuser, keeps working unchanged", async () => {
    const owner = `s3_owner_${tdb.name.slice(-8)}`;
    await sql(
      tdb.directUrl,
      `CREATE ROLE ${owner} NOLOGIN NOSUPERUSER NOBYPASSRLS;
       ALTER TABLE sessions OWNER TO ${owner}; ALTER TABLE bookings OWNER TO ${owner};`,
    );
    try {
      const client = new pg.Client({ connectionString: tdb.directUrl });
      await client.connect();
      try {
        await client.query("BEGIN");
        await client.query(`SET LOCAL ROLE ${owner}`);
        const read = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM sessions");
        expect(read.rows[0]?.n).toBe(60);
        const deleted = await client.query("DELETE FROM bookings WHERE status = 'cancelled'");
        expect(deleted.rowCount).toBeGreaterThan(0);
        await client.query("ROLLBACK");
      } finally {
        await client.end();
      }
    } finally {
      await sql(
        tdb.directUrl,
        `ALTER TABLE sessions OWNER TO postgres; ALTER TABLE bookings OWNER TO postgres; DROP ROLE ${owner}`,
      );
    }
  });
});
