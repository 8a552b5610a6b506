import { randomUUID } from "node:crypto";
import { type ApiProcess, spawnApi } from "./api-process.js";
import { ensurePgBouncer } from "./pgbouncer.js";
import { type TestDatabase, createTestDatabase } from "./test-database.js";
import { signHs256 } from "./tokens.js";

export interface TestApi {
  tdb: TestDatabase;
  api: ApiProcess;
  baseUrl: string;
  /** An HS256 access token for `userId` (a fresh user when omitted), signed with the API's secret. */
  token(userId?: string): Promise<{ userId: string; token: string }>;
  close(): Promise<void>;
}

/** A real server process on its own migrated database, behind the real PgBouncer. */
export async function startTestApi(
  label: string,
  options: { jwtSecret: string; env?: Record<string, string> },
): Promise<TestApi> {
  await ensurePgBouncer();
  const tdb = await createTestDatabase(label);
  const api = await spawnApi({
    env: {
      SUPABASE_DB_URL: tdb.directUrl,
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
      SUPABASE_JWT_SECRET: options.jwtSecret,
      ...options.env,
    },
  });
  return {
    tdb,
    api,
    baseUrl: api.baseUrl,
    async token(userId = randomUUID()) {
      // Issued by the project the API is configured with, as Supabase Auth would.
      const supabaseUrl = options.env?.SUPABASE_URL;
      return { userId, token: await signHs256(options.jwtSecret, { sub: userId }, { supabaseUrl }) };
    },
    async close() {
      await api.stop();
      await tdb.drop();
    },
  };
}
