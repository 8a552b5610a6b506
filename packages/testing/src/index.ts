export * from "./api-process.js";
export * from "./paths.js";
export * from "./pgbouncer.js";
export * from "./test-database.js";
export * from "./api-client.js";
export * from "./tokens.js";
export * from "./webhook-receiver.js";
