import { defineConfig } from "prisma/config";

// Migrations and introspection use the direct URL (port 5432) only: the schema engine
// holds a session-level advisory lock, which a transaction-mode pooler would leak.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
    seed: "tsx prisma/seed.ts",
  },
  datasource: {
    // Ours, else the Supabase–Vercel integration's name (packages/db/src/database-urls.ts).
    url: process.env.SUPABASE_DB_URL || process.env.POSTGRES_URL_NON_POOLING || "",
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
