import pg from "pg";

/**
 * What every Supabase project has before our first migration runs, from Supabase's
 * documented setup (supabase/postgres `roles.sql` and its default privileges): the Data
 * API's roles and default grants that hand every new table in `public` to them. Tests
 * create it in the template database *before* migrating, so that each test database is
 * what a migration meets on a real project; `SET ROLE anon` is what the Data API does
 * for a request carrying the public anon key.
 */
export const SUPABASE_API_ROLES = ["anon", "authenticated", "service_role"] as const;

/** Cluster-wide roles: created once, idempotently (concurrent test runs share the cluster). */
export const SUPABASE_ROLES_SQL = `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another test run created them at the same moment
END $$`;

/** Per-database grants: run in the database, as the role that will run the migrations. */
export const SUPABASE_DEFAULT_PRIVILEGES_SQL = `
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;`;

/** A way `role` got into a relation of `public`: `${role} ${operation} ${relation}`. */
export type OpenAccess = string;

const TABLE_OPERATIONS: [string, (table: string, column: string) => string][] = [
  ["select", (t) => `SELECT * FROM public.${t} LIMIT 1`],
  ["insert", (t) => `INSERT INTO public.${t} DEFAULT VALUES`],
  ["update", (t, c) => `UPDATE public.${t} SET ${c} = ${c}`],
  ["delete", (t) => `DELETE FROM public.${t}`],
  ["truncate", (t) => `TRUNCATE public.${t}`],
];

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Every way the Data API's roles can read or write a relation of `public`, found by
 * trying each statement as that role (what the Data API does for a request), inside a
 * transaction that is rolled back. A statement is closed only when Postgres refuses it
 * with `42501 insufficient_privilege`; anything else (rows, or an error found after the
 * privilege check, such as a NOT NULL violation) means the role got in.
 */
export async function findOpenAccess(
  url: string,
  roles: readonly string[] = ["anon", "authenticated"],
): Promise<OpenAccess[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const open: OpenAccess[] = [];
  try {
    const { rows: relations } = await client.query<{ name: string; kind: string; column: string | null }>(`
      SELECT c.relname AS name, c.relkind::text AS kind,
             (SELECT a.attname FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum LIMIT 1) AS column
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
       ORDER BY c.relname`);
    for (const role of roles) {
      await client.query("BEGIN");
      try {
        await client.query(`SET LOCAL ROLE ${quoteIdent(role)}`);
        for (const relation of relations) {
          const table = quoteIdent(relation.name);
          const attempts: [string, string][] =
            relation.kind === "S"
              ? [
                  ["select", `SELECT last_value FROM public.${table}`],
                  ["nextval", `SELECT nextval('public.${table}')`],
                ]
              : TABLE_OPERATIONS.map(([operation, statement]) => [
                  operation,
                  statement(table, quoteIdent(relation.column ?? "id")),
                ]);
          for (const [operation, statement] of attempts) {
            await client.query("SAVEPOINT probe");
            try {
              await client.query(statement);
              open.push(`${role} ${operation} ${relation.name}`);
            } catch (error) {
              if ((error as { code?: string }).code !== "42501") open.push(`${role} ${operation} ${relation.name}`);
            }
            await client.query("ROLLBACK TO SAVEPOINT probe");
          }
        }
      } finally {
        await client.query("ROLLBACK");
      }
    }
  } finally {
    await client.end();
  }
  return open;
}

/** Tables of `public` without Row Level Security. */
export async function tablesWithoutRls(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(`
      SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
       ORDER BY c.relname`);
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}
