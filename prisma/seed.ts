// Seeds demo data into the database at SUPABASE_DB_URL (the direct URL), once: a database
// that already has sessions is left alone. Run by `pnpm db:seed` and by Prisma's
// `migrations.seed`; `pnpm dev` calls the same `seedDemoData` on its embedded Postgres.
//
// Imported by path: `@s3ssions/db` is a workspace package that the repository root does
// not depend on, so a bare specifier would not resolve from this folder.
import { createDatabase, pickDatabaseUrl } from "../packages/db/src/index.js";
import { seedDemoData } from "../packages/db/src/seed/index.js";

const url = pickDatabaseUrl(process.env, "direct")?.url;
if (!url) {
  process.stderr.write(
    "SUPABASE_DB_URL (or POSTGRES_URL_NON_POOLING) is not set: the seed writes through the direct database URL.\n",
  );
  process.exit(1);
}

const db = createDatabase({ url, caPem: process.env.SUPABASE_DB_CA_CERT });
try {
  const started = performance.now();
  const result = await seedDemoData(await db.ready());
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    result.seeded
      ? `Seeded ${result.sessions} sessions and ${result.bookings} bookings into ${db.settings.target} in ${ms} ms.\n`
      : `Not seeded: ${db.settings.target} already has ${result.sessions} sessions (${result.bookings} bookings).\n`,
  );
} catch (error) {
  process.stderr.write(`Seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await db.close();
}
