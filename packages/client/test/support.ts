// The repo's test helpers, by path: `@s3ssions/testing` depends on this SDK (its
// `apiClient` is built on `createClient`), so listing it here would make a dependency
// cycle that turbo refuses. `turbo.json` in this package orders the builds instead.
import { randomUUID } from "node:crypto";
import {
  type ApiProcess,
  createTestDatabase,
  ensurePgBouncer,
  signHs256,
  spawnApi,
  type TestDatabase,
} from "../../testing/src/index.js";

export { signHs256 };

export const JWT_SECRET = "client-test-jwt-secret-with-at-least-32-characters";

export interface RunningApi {
  baseUrl: string;
  api: ApiProcess;
  tdb: TestDatabase;
  /** A fresh user's id and access token. */
  user(id?: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

/** The real server process on its own database, behind the real PgBouncer. */
export async function startApi(label: string, env: Record<string, string> = {}): Promise<RunningApi> {
  await ensurePgBouncer();
  const tdb = await createTestDatabase(label);
  const api = await spawnApi({
    env: {
      SUPABASE_DB_URL: tdb.directUrl,
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
      SUPABASE_JWT_SECRET: JWT_SECRET,
      ...env,
    },
  });
  return {
    baseUrl: api.baseUrl,
    api,
    tdb,
    async user(id = randomUUID()) {
      return { id, token: await signHs256(JWT_SECRET, { sub: id }) };
    },
    async close() {
      await api.stop();
      await tdb.drop();
    },
  };
}

export function hoursFromNow(hours: number): Date {
  return new Date(Date.now() + hours * 3_600_000);
}
