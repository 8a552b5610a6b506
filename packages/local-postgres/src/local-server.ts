/** The embedded server's fixed local credentials: it listens on 127.0.0.1 only and holds demo data. */
export const USER = "postgres";
export const PASSWORD = "postgres";
export const HOST = "127.0.0.1";

export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}
