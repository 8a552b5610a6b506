import { type TestApi, startTestApi } from "@s3ssions/testing";
import { apiClient } from "./api-client.js";

export const JWT_SECRET = "test-jwt-secret-with-at-least-32-characters!";

/** A signed-in user: the tRPC client is a proxy, so the id travels beside it. */
export interface TestUser {
  userId: string;
  api: ReturnType<typeof apiClient>;
}

export interface DomainApi extends TestApi {
  /** A client signed in as `userId` (a fresh user when omitted). */
  as(userId?: string): Promise<TestUser>;
  anonymous: ReturnType<typeof apiClient>;
}

/** A real server process on its own database, behind the real pooler, with SDK clients. */
export async function startDomainApi(label: string, env: Record<string, string> = {}): Promise<DomainApi> {
  const running = await startTestApi(label, { jwtSecret: JWT_SECRET, env });
  return {
    ...running,
    async as(userId?: string) {
      const user = await running.token(userId);
      return { userId: user.userId, api: apiClient(running.baseUrl, user.token) };
    },
    anonymous: apiClient(running.baseUrl),
  };
}

export { hoursFromNow, sessionInput } from "@s3ssions/testing";
