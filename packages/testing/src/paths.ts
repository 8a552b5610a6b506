import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const MIGRATIONS_DIR = `${REPO_ROOT}prisma/migrations`;
export const SERVER_BUNDLE = `${REPO_ROOT}apps/api/dist/server.mjs`;
