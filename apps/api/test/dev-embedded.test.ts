import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ApiProcess, bookingInvariants, freePort, spawnApi } from "@s3ssions/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `pnpm dev` with no database configured, for real: the same entry `tsx watch` runs,
 * an embedded Postgres in a scratch data directory, migrations, demo data, the server.
 */

const APP_DIR = fileURLToPath(new URL("..", import.meta.url));

let dataRoot: string;
let pgPort: number;
/** The embedded server's fixed local credentials (see packages/local-postgres). */
const dbUrl = () => `postgresql://postgres:postgres@127.0.0.1:${pgPort}/s3ssions`;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function sql<T extends pg.QueryResultRow>(text: string): Promise<T> {
  const client = new pg.Client({ connectionString: dbUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<T>(text);
    return rows[0] as T;
  } finally {
    await client.end();
  }
}

interface DevRun {
  api: ApiProcess;
  /** Spawn → first `GET /health/db` answered 200. */
  healthyAfterMs: number;
  health: Record<string, unknown>;
  ready: Record<string, unknown>;
}

async function startDev(): Promise<DevRun> {
  const started = performance.now();
  const api = await spawnApi({
    entry: "src/dev.ts",
    args: ["--import", "tsx"],
    cwd: APP_DIR,
    // spawnApi passes only PATH, APP_ENV, PORT=0 and HOST besides these: no database URL.
    env: { S3SSIONS_DATA_DIR: dataRoot, EMBEDDED_PG_PORT: String(pgPort) },
    timeoutMs: 45_000,
  });
  const res = await fetch(`${api.baseUrl}/health/db`);
  const healthyAfterMs = performance.now() - started;
  expect(res.status, api.output.join("\n")).toBe(200);
  const readyLine = api.output.find((line) => line.includes('"msg":"embedded database ready"'));
  expect(readyLine, api.output.join("\n")).toBeDefined();
  return {
    api,
    healthyAfterMs,
    health: (await res.json()) as Record<string, unknown>,
    ready: JSON.parse(readyLine ?? "{}"),
  };
}

const FINGERPRINT_SQL = `
  SELECT (SELECT count(*) FROM sessions)::int AS sessions,
         (SELECT count(*) FROM bookings)::int AS bookings,
         (SELECT md5(string_agg(id::text || status::text, ',' ORDER BY id)) FROM bookings) AS digest`;

async function stopAndExpectClean(run: DevRun): Promise<void> {
  const code = await run.api.stop("SIGTERM");
  expect(code, run.api.output.join("\n")).toBe(0);
  expect(run.api.output.some((line) => line.includes('"msg":"embedded postgres stopped"'))).toBe(true);
  expect(await portOpen(pgPort)).toBe(false);
  // A clean shutdown removes the lock file; a leftover would mean Postgres was killed.
  await expect(stat(join(dataRoot, "postgres", "postmaster.pid"))).rejects.toThrow();
}

beforeAll(async () => {
  dataRoot = await mkdtemp(join(tmpdir(), "s3ssions-dev-"));
  pgPort = await freePort();
});

afterAll(async () => {
  if (!dataRoot) return;
  // Safety net for a failed test: stop a server it left running, then delete its data.
  const pid = Number(
    (await readFile(join(dataRoot, "postgres", "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0],
  );
  if (pid > 0) {
    try {
      process.kill(pid, "SIGINT");
      for (let i = 0; i < 100 && (await portOpen(pgPort)); i++) await new Promise((r) => setTimeout(r, 50));
    } catch {
      // already gone
    }
  }
  await rm(dataRoot, { recursive: true, force: true });
});

describe("pnpm dev without a database URL", () => {
  let first: DevRun;
  let fingerprint: Record<string, unknown>;

  it("first start: initialises Postgres, migrates, seeds, and serves /health/db", async () => {
    first = await startDev();
    expect(first.health).toMatchObject({ status: "ok", database: "connected" });
    expect(first.ready).toMatchObject({ initialised: true, adopted: false });
    expect(first.ready.seeded).toMatchObject({ sessions: 300 });
    expect((first.ready.migrationsApplied as string[]).length).toBeGreaterThan(0);
    // One plain line saying where the data lives and how to reset it.
    const where = first.api.output.find((line) => line.startsWith("Embedded Postgres"));
    expect(where).toContain(join(dataRoot, "postgres"));
    expect(where).toContain(`rm -rf ${dataRoot}`);

    fingerprint = await sql(FINGERPRINT_SQL);
    expect(fingerprint.sessions).toBeGreaterThanOrEqual(200);
    expect(fingerprint.bookings).toBeGreaterThan(1000);
    expect(await bookingInvariants(dbUrl())).toEqual({
      overbooked: [],
      counterDrift: [],
      missedPromotion: [],
      doubleActive: [],
      activeInCancelled: [],
    });
    const statuses = await sql<{ n: number }>(
      "SELECT count(DISTINCT status)::int AS n FROM bookings WHERE status IN ('confirmed', 'waitlisted', 'cancelled')",
    );
    expect(statuses.n).toBe(3);
  });

  it("SIGTERM: exits 0 and stops Postgres", async () => {
    await stopAndExpectClean(first);
  });

  it("second start on the same data: no reseed, and faster", async () => {
    const second = await startDev();
    try {
      expect(second.health).toMatchObject({ status: "ok", database: "connected" });
      expect(second.ready).toMatchObject({ initialised: false, adopted: false, seeded: false, migrationsApplied: [] });
      expect(await sql(FINGERPRINT_SQL)).toEqual(fingerprint);
      console.info(
        `dev spawn → /health/db 200: first start ${Math.round(first.healthyAfterMs)} ms, restart ${Math.round(second.healthyAfterMs)} ms`,
      );
      expect(second.healthyAfterMs).toBeLessThan(first.healthyAfterMs);
    } finally {
      await stopAndExpectClean(second);
    }
  });

  it("a killed run's Postgres is taken over by the next start, and stopped by it", async () => {
    const killed = await startDev();
    killed.api.child.kill("SIGKILL");
    await killed.api.stop(); // resolves once the process is gone
    expect(await portOpen(pgPort)).toBe(true); // orphaned, still serving

    const next = await startDev();
    try {
      expect(next.ready).toMatchObject({ adopted: true, seeded: false });
      expect(next.health).toMatchObject({ database: "connected" });
      expect(await sql(FINGERPRINT_SQL)).toEqual(fingerprint);
    } finally {
      await stopAndExpectClean(next);
    }
  });
});
