export * from "./check-database.js";
export * from "./connection-settings.js";
export * from "./database.js";
export * from "./process-database.js";
export { Prisma, PrismaClient } from "./generated/prisma/client.js";
export * from "./generated/prisma/enums.js";
