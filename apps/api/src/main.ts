import { EnvError, jsonLogger } from "@s3ssions/api";
import { startServer } from "./start-server.js";

// Entry of `pnpm start` (bundled to dist/server.mjs).
startServer().then(
  ({ stop }) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        stop(signal).then(
          () => process.exit(0),
          () => process.exit(1),
        );
      });
    }
  },
  (error: unknown) => {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      jsonLogger.log("error", "start failed", { error: error instanceof Error ? error.message : String(error) });
    }
    process.exit(1);
  },
);
