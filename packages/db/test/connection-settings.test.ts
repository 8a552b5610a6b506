import { describe, expect, it } from "vitest";
import {
  DEFAULT_APPLICATION_NAME,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DatabaseUrlError,
  parseDatabaseUrl,
  toPoolConfig,
} from "../src/connection-settings.js";

const POOLER = "postgresql://postgres.ref:secret@aws-0-eu.pooler.supabase.com:6543/postgres";

describe("parseDatabaseUrl", () => {
  it("maps Supabase's transaction URL onto a one-connection pool", () => {
    const s = parseDatabaseUrl(`${POOLER}?pgbouncer=true&connection_limit=1`);
    expect(s.pgbouncer).toBe(true);
    expect(s.connectionLimit).toBe(1);
    expect(s.connectTimeoutMs).toBe(DEFAULT_CONNECT_TIMEOUT_MS);
    expect(s.commandTimeoutMs).toBe(DEFAULT_COMMAND_TIMEOUT_MS);
    expect(s.applicationName).toBe(DEFAULT_APPLICATION_NAME);
    expect(s.applicationName).toBe("s3ssions_unified");
    expect(s.connectionString).toBe(POOLER);
    expect(s.target).toBe("aws-0-eu.pooler.supabase.com:6543/postgres");
  });

  it("strips every Prisma, TLS and unknown parameter from the URL pg sees, and keeps libpq's own", () => {
    const s = parseDatabaseUrl(
      `${POOLER}?pgbouncer=true&connection_limit=3&pool_timeout=5&connect_timeout=7&socket_timeout=9&statement_cache_size=0&application_name=x&sslmode=require&supa=base-pooler.x&options=-c%20search_path%3Dpublic`,
    );
    const params = new URL(s.connectionString).searchParams;
    expect([...params.keys()]).toEqual(["options"]);
    expect(s.connectionLimit).toBe(3);
    expect(s.connectTimeoutMs).toBe(7000);
    expect(s.commandTimeoutMs).toBe(9000);
    expect(s.applicationName).toBe("x");
  });

  it("takes the larger of pool_timeout and connect_timeout, since pg has one timer", () => {
    expect(parseDatabaseUrl(`${POOLER}?pool_timeout=20&connect_timeout=3`).connectTimeoutMs).toBe(20_000);
    expect(parseDatabaseUrl(`${POOLER}?pool_timeout=2`).connectTimeoutMs).toBe(2_000);
    expect(parseDatabaseUrl(`${POOLER}?connect_timeout=0`).connectTimeoutMs).toBe(DEFAULT_CONNECT_TIMEOUT_MS);
  });

  it("defaults to one connection: a serverless instance never pools", () => {
    expect(parseDatabaseUrl(POOLER).connectionLimit).toBe(1);
  });

  it("reads the Supabase–Vercel integration's pooler URL as it is written", () => {
    const s = parseDatabaseUrl(`${POOLER}?sslmode=require&supa=base-pooler.x`);
    expect(s.pgbouncer).toBe(true);
    expect(s.connectionString).toBe(POOLER);
    expect(s.tlsMode).toBe("require");
  });

  it("knows the transaction pooler by port 6543 or supa=base-pooler.x; an explicit pgbouncer= wins", () => {
    expect(parseDatabaseUrl(POOLER).pgbouncer).toBe(true);
    expect(parseDatabaseUrl("postgresql://u@db.ref.supabase.co:5432/postgres").pgbouncer).toBe(false);
    expect(parseDatabaseUrl("postgresql://u@pooler.example.com:6000/postgres?supa=base-pooler.x").pgbouncer).toBe(true);
    expect(parseDatabaseUrl("postgresql://u@h:5433/db?pgbouncer=true").pgbouncer).toBe(true);
    expect(parseDatabaseUrl(`${POOLER}?pgbouncer=false`).pgbouncer).toBe(false);
  });

  it("accepts schema=public and refuses any other schema", () => {
    expect(parseDatabaseUrl(`${POOLER}?schema=public`).connectionString).toBe(POOLER);
    expect(() => parseDatabaseUrl(`${POOLER}?schema=tenant_a`)).toThrow(/schema is not supported/);
  });

  it.each([
    ["not a url", "not a valid URL"],
    ["mysql://u@h/db", "must start with postgresql://"],
    [`${POOLER}?connection_limit=0`, "connection_limit"],
    [`${POOLER}?connection_limit=1.5`, "connection_limit"],
    [`${POOLER}?connection_limit=abc`, "connection_limit"],
    [`${POOLER}?pool_timeout=-1`, "pool_timeout"],
    [`${POOLER}?pgbouncer=maybe`, "pgbouncer"],
    [`${POOLER}?statement_cache_size=100`, "statement_cache_size must be 0"],
  ])("rejects %s", (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(DatabaseUrlError);
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  it("never puts the password in an error", () => {
    try {
      parseDatabaseUrl(`${POOLER}?connection_limit=x`);
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain("secret");
    }
  });
});

describe("sslmode, as libpq means it", () => {
  const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  it("no sslmode, disable and allow: plain", () => {
    for (const query of ["", "?sslmode=disable", "?sslmode=allow"])
      expect(parseDatabaseUrl(`${POOLER}${query}`).ssl).toBe(false);
  });

  it("prefer and require: encrypted, not verified (Supabase's CA is not in Node's store)", () => {
    for (const mode of ["prefer", "require"]) {
      expect(parseDatabaseUrl(`${POOLER}?sslmode=${mode}`).ssl).toEqual({ rejectUnauthorized: false });
    }
  });

  it("require with a root certificate checks the chain (libpq: as verify-ca)", () => {
    const ssl = parseDatabaseUrl(`${POOLER}?sslmode=require`, { caPem: PEM }).ssl;
    expect(ssl).toMatchObject({ ca: PEM });
    expect(ssl && ssl.rejectUnauthorized).toBeUndefined();
    expect(ssl && typeof ssl.checkServerIdentity).toBe("function");
  });

  it("verify-ca needs a root certificate and skips the host name; verify-full checks both", () => {
    expect(() => parseDatabaseUrl(`${POOLER}?sslmode=verify-ca`)).toThrow(/verify-ca needs a root certificate/);
    const verifyCa = parseDatabaseUrl(`${POOLER}?sslmode=verify-ca`, { caPem: PEM }).ssl;
    expect(verifyCa && verifyCa.checkServerIdentity?.("h", {} as never)).toBeUndefined();
    expect(parseDatabaseUrl(`${POOLER}?sslmode=verify-full`, { caPem: PEM }).ssl).toEqual({ ca: PEM });
    // No root certificate given: Node's trust store, host name checked.
    expect(parseDatabaseUrl(`${POOLER}?sslmode=verify-full`).ssl).toEqual({});
  });

  it("refuses an unknown sslmode and an sslrootcert it cannot read, without echoing the URL", () => {
    expect(() => parseDatabaseUrl(`${POOLER}?sslmode=on`)).toThrow(/sslmode must be one of/);
    expect(() => parseDatabaseUrl(`${POOLER}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`)).toThrow(
      /sslrootcert names a file that cannot be read \(ENOENT\)/,
    );
    expect(() => parseDatabaseUrl(`${POOLER}?sslmode=on`)).not.toThrow(/secret/);
  });
});

describe("toPoolConfig", () => {
  it("sets max, timeouts and application_name explicitly", () => {
    const config = toPoolConfig(parseDatabaseUrl(`${POOLER}?pgbouncer=true&connection_limit=1&connect_timeout=4`));
    expect(config).toMatchObject({
      max: 1,
      connectionTimeoutMillis: 4000,
      application_name: "s3ssions_unified",
      allowExitOnIdle: true,
    });
    expect(config.connectionString).not.toContain("connection_limit");
    expect(config.ssl).toBe(false);
    expect(toPoolConfig(parseDatabaseUrl(`${POOLER}?sslmode=require`)).ssl).toEqual({ rejectUnauthorized: false });
    // The command timeout is enforced by cancelling on the server, never by pg's client-side timer.
    expect(config.query_timeout).toBeUndefined();
  });
});
