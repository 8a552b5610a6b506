import { randomUUID } from "node:crypto";
import {
  type ApiProcess,
  type TestDatabase,
  apiClient,
  createTestDatabase,
  ensurePgBouncer,
  signHs256,
  spawnApi,
} from "@s3ssions/testing";

export const JWT_SECRET = "test-jwt-secret-with-at-least-32-characters!";

/** A signed-in user: the tRPC client is a proxy, so the id travels beside it. */
export interface TestUser {
  userId: string;
  api: ReturnType<typeof apiClient>;
}

export interface DomainApi {
  tdb: TestDatabase;
  api: ApiProcess;
  /** A client signed in as `userId` (a fresh user when omitted). */
  as(userId?: string): Promise<TestUser>;
  anonymous: ReturnType<typeof apiClient>;
  close(): Promise<void>;
}

/** A real server process on its own database, behind the real pooler. */
export async function startDomainApi(label: string, env: Record<string, string> = {}): Promise<DomainApi> {
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
    tdb,
    api,
    async as(userId = randomUUID()) {
      return { userId, api: apiClient(api.baseUrl, await signHs256(JWT_SECRET, { sub: userId })) };
    },
    anonymous: apiClient(api.baseUrl),
    async close() {
      await api.stop();
      await tdb.drop();
    },
  };
}

export function hoursFromNow(hours: number): Date {
  return new Date(Date.now() + hours * 3_600_000);
}

export function sessionInput(overrides: Record<string, unknown> = {}) {
  return {
    title: "Morning yoga",
    description: "Bring a mat",
    startsAt: hoursFromNow(24),
    endsAt: hoursFromNow(25),
    timezone: "Europe/Berlin",
    capacity: 10,
    location: "Studio 3",
    ...overrides,
  };
}
