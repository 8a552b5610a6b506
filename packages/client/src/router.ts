import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
// Types only, through the router package's `./public-router` entry (mapped in tsconfig.json):
// nothing of the server's runtime is imported; the declaration bundle inlines these types.
import type { PublicAppRouter } from "@s3ssions/api/public-router";

/**
 * The API's router type, with the server's context erased: what `createClient` is typed
 * with, and what tRPC integrations (e.g. `@trpc/tanstack-react-query`) take.
 */
export type AppRouter = PublicAppRouter;

/** The input of every procedure: `RouterInputs["sessions"]["list"]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** The output of every procedure, as the client receives it (dates are `Date`s): `RouterOutputs["sessions"]["byId"]`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** A session as the API returns it. */
export type SessionDto = RouterOutputs["sessions"]["byId"];
/** A booking as the API returns it. */
export type BookingDto = RouterOutputs["bookings"]["create"];
/** A session's status. */
export type SessionStatus = SessionDto["status"];
/** A booking's status. */
export type BookingStatus = BookingDto["status"];
/** One page of `sessions.list`: pass `nextCursor` back as `cursor` for the next page; `null` on the last. */
export type SessionPage = RouterOutputs["sessions"]["list"];
/** One page of `bookings.mine`. */
export type BookingPage = RouterOutputs["bookings"]["mine"];
/**
 * `health.check`: liveness, without touching the database. `health.db`'s answer is
 * `DatabaseHealth`: the database answered through the pooler (a failure is a
 * `SERVICE_UNAVAILABLE` error). Both are the server's own interfaces, exported by name so
 * that an app's declaration files can name them.
 */
export type { DatabaseHealthOk as DatabaseHealth, ServiceHealth } from "@s3ssions/api/public-router";
