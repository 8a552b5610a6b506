import { fileURLToPath } from "node:url";

/** packages/bench/, where the bench's own bundles and results go (dist/). */
export const BENCH_DIR = fileURLToPath(new URL("../", import.meta.url));
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
/** The deployable the bench measures. */
export const APP = `${REPO}apps/api/`;
export const OUT = `${BENCH_DIR}dist/`;
