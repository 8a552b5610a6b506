#!/usr/bin/env node
// A drop-in `schema-engine` executable for the Prisma 7.10 CLI, backed by the WebAssembly
// schema engine (@prisma/schema-engine-wasm) and a `pg` driver adapter. Point the CLI at it
// with PRISMA_SCHEMA_ENGINE_BINARY=<this file>.
//
//   schema-engine --version
//   schema-engine --datasource '{"url":…}' cli can-connect-to-database|create-database|drop-database
//   schema-engine --datamodels <path>… --datasource '{"url":…,"shadowDatabaseUrl":…}'
//     -> JSON-RPC 2.0 over stdin/stdout, one JSON object per line
//
// Logs go to stderr as JSON lines, like the native engine's (the CLI reads ERROR lines).

import { parseArgs, parseDatasource } from "../src/cli-args.mjs";
import { runCliCommand } from "../src/cli-subcommands.mjs";
import { log } from "../src/engine-log.mjs";
import { runRpcServer } from "../src/rpc-server.mjs";
import { ENGINE_HASH } from "../src/wasm.mjs";

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${/** @type {Error} */ (error).message}\n`);
    process.exit(1);
  }
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${ENGINE_HASH}\n`);
    return;
  }
  if (args.help) {
    process.stdout.write(
      "schema-engine (Wasm, pg) — Prisma schema engine CLI replacement\n\n" +
        "  --version\n" +
        "  --datasource <json> cli can-connect-to-database | create-database | drop-database\n" +
        "  --datamodels <path>... --datasource <json>   (JSON-RPC over stdio)\n",
    );
    return;
  }
  let datasource;
  try {
    datasource = parseDatasource(args.datasource);
  } catch {
    log("ERROR", { is_panic: false, error_code: "", message: "--datasource is not valid JSON" });
    process.exit(1);
  }
  if (args.cli !== undefined) {
    process.exitCode = await runCliCommand(args.cli, datasource);
    return;
  }
  runRpcServer(args.datamodels, datasource);
}

await main();
