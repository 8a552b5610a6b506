export * from "./check-database.js";
export * from "./command-timeout.js";
export * from "./database-errors.js";
export * from "./connection-settings.js";
export * from "./database.js";
export * from "./database-urls.js";
export * from "./process-database.js";
export * from "./query-timing.js";
// Types only: a value import of the generated client would load Prisma's runtime at start.
export type { Prisma, PrismaClient } from "./generated/prisma/client.js";
export { join, raw, type Sql, type Statement, sql } from "./sql.js";
export * from "./generated/prisma/enums.js";
