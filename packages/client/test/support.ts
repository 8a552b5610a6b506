// The repo's test helpers, by path: this package is published, so its manifest names no
// workspace package. `turbo.json` in this package orders the builds instead.
import type { FetchLike, RouterInputs } from "../dist/index.js";
import {
  CONNECTED_DB_REPORT,
  hoursFromNow,
  sessionInput as anySessionInput,
  signHs256,
  startTestApi,
  type TestApi,
} from "../../testing/src/index.js";

export { CONNECTED_DB_REPORT, hoursFromNow, signHs256 };

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

/** A `fetch` that records what it sends. */
export function recordingFetch() {
  const requests: { method: string; url: string }[] = [];
  const fetch: FetchLike = (url, init) => {
    requests.push({ method: init?.method ?? "GET", url });
    return globalThis.fetch(url, init);
  };
  /** How many calls each request carried. */
  const sizes = () => requests.map((r) => new URL(r.url).pathname.split("/").at(-1)!.split(",").length);
  return { fetch, requests, sizes };
}

/** What the call failed with; fails the test if it succeeded. */
export async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/** The repo's valid `sessions.create` input, typed as the SDK's. */
export function sessionInput(
  overrides: Partial<RouterInputs["sessions"]["create"]> = {},
): RouterInputs["sessions"]["create"] {
  return anySessionInput(overrides) as RouterInputs["sessions"]["create"];
}
