import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** packages/bench/, where the bench's own bundles and results go (dist/). */
export const BENCH_DIR = fileURLToPath(new URL("../", import.meta.url));
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
/** The deployable the bench measures. */
export const APP = `${REPO}apps/api/`;
export const OUT = `${BENCH_DIR}dist/`;

/** Node flags `pnpm start` runs the server with (apps/api's start script), so that ours runs here as it runs there. */
export const START_FLAGS = (
  (JSON.parse(readFileSync(`${APP}package.json`, "utf8")) as { scripts: { start: string } }).scripts.start.match(
    /--[\w-]+(=\S+)?/g,
  ) ?? []
).filter((flag) => flag !== "--");
