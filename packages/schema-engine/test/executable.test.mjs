// End-to-end tests of the schema engine executable on its own: the native engine's command
// line, JSON-RPC replies, exit codes, against scratch databases on the local PostgreSQL server.

import { describe, expect, it } from "vitest";
import {
  ENGINE_HASH,
  output,
  query,
  run,
  scratchName,
  shim,
  urlFor,
  useScratchServer,
  withClient,
} from "./helpers.mjs";

useScratchServer();

describe("schema engine executable (protocol)", () => {
  it("prints the engine version", async () => {
    const r = await run(shim, ["--version"]);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout.trim()).toBe(`schema-engine-cli ${ENGINE_HASH}`);
  });

  it("cli: can-connect (P1003 when missing), create-database, drop-database", async () => {
    const db = scratchName();
    const ds = JSON.stringify({ url: urlFor(db) });

    const missing = await run(shim, ["--datasource", ds, "cli", "can-connect-to-database"]);
    expect(missing.code, output(missing)).toBe(1);
    // The CLI skips the first stderr line and parses the others as JSON log lines.
    const lines = missing.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const error = lines
      .slice(1)
      .map((l) => JSON.parse(l))
      .find((l) => l.level === "ERROR");
    expect(error.target).toBe("schema_engine::logger");
    expect(error.fields.error_code).toBe("P1003");

    const create = await run(shim, ["--datasource", ds, "cli", "create-database"]);
    expect(create.code, output(create)).toBe(0);
    const ok = await run(shim, ["--datasource", ds, "cli", "can-connect-to-database"]);
    expect(ok.code, output(ok)).toBe(0);
    const again = await run(shim, ["--datasource", ds, "cli", "create-database"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('"error_code":"P1009"');

    const drop = await run(shim, ["--datasource", ds, "cli", "drop-database"]);
    expect(drop.code, output(drop)).toBe(0);
    const gone = await query("postgres", "SELECT 1 FROM pg_database WHERE datname = $1", [db]);
    expect(gone).toHaveLength(0);
  });

  it("answers JSON-RPC requests and user-facing errors like the native engine", async () => {
    const db = scratchName();
    await withClient("postgres", (c) => c.query(`CREATE DATABASE "${db}"`));
    const requests = [
      { jsonrpc: "2.0", id: 1, method: "getDatabaseVersion", params: {} },
      { jsonrpc: "2.0", id: 2, method: "noSuchMethod", params: {} },
      { jsonrpc: "2.0", id: 3, method: "markMigrationRolledBack", params: { migrationName: "20240101000000_x" } },
    ];
    const r = await run(shim, ["--datasource", JSON.stringify({ url: urlFor(db) })], {
      input: `${requests.map((m) => JSON.stringify(m)).join("\n")}\n`,
    });
    expect(r.code, output(r)).toBe(0);
    const replies = new Map(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .map((m) => [m.id, m]),
    );
    expect(replies.get(1).result).toMatch(/^PostgreSQL 1\d/);
    expect(replies.get(2).error.code).toBe(-32601);
    expect(replies.get(3).error.data).toMatchObject({ is_panic: false });
    expect(typeof replies.get(3).error.data.message).toBe("string");
  });

  it("exits 101 and answers every pending request when the engine panics", async () => {
    const db = scratchName();
    await withClient("postgres", (c) => c.query(`CREATE DATABASE "${db}"`));
    const input = `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "debugPanic" })}\n${JSON.stringify({
      jsonrpc: "2.0",
      id: 2,
      method: "getDatabaseVersion",
    })}\n`;
    const r = await run(shim, ["--datasource", JSON.stringify({ url: urlFor(db) })], { input });
    expect(r.code, output(r)).toBe(101);
    const replies = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(replies.map((m) => m.id).sort()).toEqual([1, 2]);
    for (const reply of replies) expect(reply.error.data.is_panic).toBe(true);
    expect(replies[0].error.data.message).toContain("debugPanic artificial panic");
  });

  it("exits 0 on SIGTERM", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(shim, ["--datasource", JSON.stringify({ url: urlFor("postgres") })], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    await new Promise((resolve) => child.stderr.once("data", resolve));
    const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    child.kill("SIGTERM");
    expect(await exited, stderr).toEqual({ code: 0, signal: null });
  });
});
