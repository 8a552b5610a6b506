export {
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from "./embedded-postgres.js";
export { EmbeddedPostgresError } from "./local-server.js";
