/**
 * Where the database URLs come from: our names first, else the names the Supabase–Vercel
 * integration writes (`POSTGRES_PRISMA_URL`: the pooler, port 6543; `POSTGRES_URL_NON_POOLING`:
 * the direct connection). When both are set, ours win.
 */
export const DATABASE_URL_VARIABLES = {
  pooler: ["SUPABASE_DB_URL_TRANSACTION", "POSTGRES_PRISMA_URL"],
  direct: ["SUPABASE_DB_URL", "POSTGRES_URL_NON_POOLING"],
} as const;

export interface PickedUrl {
  /** The variable the URL was read from. */
  name: string;
  url: string;
}

export function pickDatabaseUrl(
  source: Record<string, string | undefined>,
  kind: keyof typeof DATABASE_URL_VARIABLES,
): PickedUrl | undefined {
  for (const name of DATABASE_URL_VARIABLES[kind]) {
    const url = source[name]?.trim();
    if (url) return { name, url };
  }
  return undefined;
}
