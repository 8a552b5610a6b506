export * from "./check-database.js";
export * from "./database-errors.js";
export * from "./connection-settings.js";
export * from "./database.js";
export * from "./process-database.js";
export * from "./query-timing.js";
export { buildDemoData, seedDemoData, type DemoData, type SeedOptions, type SeedResult } from "./seed.js";
export { Prisma, PrismaClient } from "./generated/prisma/client.js";
export * from "./generated/prisma/enums.js";
