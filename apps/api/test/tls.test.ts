import { canConnectToDatabase } from "@s3ssions/schema-engine";
import {
  type ApiProcess,
  createTestCa,
  createTestDatabase,
  type PrivatePgBouncer,
  spawnApi,
  startPrivatePgBouncer,
  type TestCa,
  type TestDatabase,
} from "@s3ssions/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * TLS as Supabase serves it: a real PgBouncer in transaction mode that accepts clients over
 * TLS only (`client_tls_sslmode = require`), with a certificate from a CA Node does not
 * trust (made here with openssl, as Supabase's root CA is to Node). `sslmode` keeps libpq's
 * meaning: require encrypts without verifying, verify-full checks the chain and the host.
 */

let ca: TestCa;
let tdb: TestDatabase;
let pgbouncer: PrivatePgBouncer;
const running: ApiProcess[] = [];

beforeAll(async () => {
  ca = await createTestCa();
  tdb = await createTestDatabase("tls");
  pgbouncer = await startPrivatePgBouncer({ clientTls: { certFile: ca.serverCert, keyFile: ca.serverKey } });
});

afterAll(async () => {
  await Promise.all(running.map((api) => api.stop("SIGKILL")));
  await pgbouncer?.stop();
  await tdb?.drop();
  await ca?.remove();
});

/** The pooler URL as the integration writes it (no pgbouncer=true), plus TLS parameters. */
function poolerUrl(tls: Record<string, string>): string {
  return pgbouncer.url(tdb.name, { supa: "base-pooler.x", connection_limit: 1, connect_timeout: 60, ...tls });
}

async function healthDb(env: Record<string, string>) {
  const api = await spawnApi({ env });
  running.push(api);
  // A TLS failure must fail the check at once, not wait for the 60 s connect timeout.
  const res = await fetch(`${api.baseUrl}/health/db`, { signal: AbortSignal.timeout(20_000) });
  return { api, status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("the pooler over TLS, sslmode as libpq means it", () => {
  it("sslmode=require connects without verifying, and PgBouncer sees a TLS client", async () => {
    const { api, status, body } = await healthDb({ POSTGRES_PRISMA_URL: poolerUrl({ sslmode: "require" }) });
    expect(status, JSON.stringify(body)).toBe(200);
    const listening = api.output.find((line) => line.includes('"msg":"listening"')) ?? "";
    expect(JSON.parse(listening)).toMatchObject({
      databaseUrlFrom: "POSTGRES_PRISMA_URL",
      pooler: true,
      tls: "require",
    });
    // The pool keeps its connection open for a while after the check: it is in SHOW CLIENTS.
    const clients = (await pgbouncer.admin("SHOW CLIENTS")).filter((row) => row.database === tdb.name);
    expect(clients.length).toBeGreaterThan(0);
    for (const client of clients) expect(String(client.tls)).toMatch(/^TLSv1\.[23]/);
  });

  it("sslmode=verify-full with the right CA (sslrootcert file) connects", async () => {
    const { status, body } = await healthDb({
      SUPABASE_DB_URL_TRANSACTION: poolerUrl({ sslmode: "verify-full", sslrootcert: ca.caFile }),
    });
    expect(status, JSON.stringify(body)).toBe(200);
  });

  it("sslmode=verify-full with the right CA as a PEM in SUPABASE_DB_CA_CERT connects", async () => {
    const { status, body } = await healthDb({
      SUPABASE_DB_URL_TRANSACTION: poolerUrl({ sslmode: "verify-full" }),
      SUPABASE_DB_CA_CERT: ca.caPem,
    });
    expect(status, JSON.stringify(body)).toBe(200);
  });

  it("sslmode=verify-full with the wrong CA: 503 at once, with a reason about the certificate", async () => {
    const { status, body } = await healthDb({
      SUPABASE_DB_URL_TRANSACTION: poolerUrl({ sslmode: "verify-full", sslrootcert: ca.otherCaFile }),
    });
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "error", database: "disconnected" });
    expect(String(body.reason)).toMatch(/certificate/);
  });

  it("the migration URL reads sslmode the same way (the schema engine's connection)", async () => {
    const url = (tls: Record<string, string>) => pgbouncer.url(tdb.name, tls);
    await expect(canConnectToDatabase(url({ sslmode: "require" }))).resolves.toBeUndefined();
    await expect(canConnectToDatabase(url({ sslmode: "verify-ca", sslrootcert: ca.caFile }))).resolves.toBeUndefined();
    await expect(canConnectToDatabase(url({ sslmode: "verify-full", sslrootcert: ca.otherCaFile }))).rejects.toThrow();
  });
});
