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
    url: process.env.SUPABASE_DB_URL ?? "",
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
