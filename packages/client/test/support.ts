// The repo's test helpers, by path: this package is published, so its manifest names no
// workspace package. `turbo.json` in this package orders the builds instead.
import { CONNECTED_DB_REPORT, signHs256, startTestApi, type TestApi } from "../../testing/src/index.js";

export { CONNECTED_DB_REPORT, signHs256 };

export const JWT_SECRET = "client-test-jwt-secret-with-at-least-32-characters";

export interface RunningApi extends TestApi {
  /** A fresh user's id and access token. */
  user(id?: string): Promise<{ id: string; token: string }>;
}

/** The real server process on its own database, behind the real PgBouncer. */
export async function startApi(label: string, env: Record<string, string> = {}): Promise<RunningApi> {
  const running: TestApi = await startTestApi(label, { jwtSecret: JWT_SECRET, env });
  return {
    ...running,
    async user(id?: string) {
      const { userId, token } = await running.token(id);
      return { id: userId, token };
    },
  };
}

export function hoursFromNow(hours: number): Date {
  return new Date(Date.now() + hours * 3_600_000);
}
