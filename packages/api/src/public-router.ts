import type { TRPCBuiltRouter } from "@trpc/server";
import type { AppRouter, featureRouters } from "./root.js";
import type { healthRouter } from "./routers/health/index.js";

// `AppRouter`'s root config names the server's `Context` (database client, driver, token
// verifier, env), so a declaration built from it drags the whole server into the SDK's
// types. This type is built from the feature routers registered in `root.ts` instead, whose
// declarations name nothing but `@trpc/server` and plain object types; the checks at the
// end of this file fail `tsc` the moment it drifts from `AppRouter`.

/**
 * The router as the SDK (`@s3ssions/client`) sees it: the same procedures, inputs, outputs
 * and error shape as `AppRouter`, with the server's context erased.
 */
export type PublicAppRouter = TRPCBuiltRouter<
  {
    ctx: object;
    meta: object;
    errorShape: AppErrorShape;
    transformer: true;
  },
  PublicRouterRecord
>;

// The health procedures' outputs are named interfaces: the SDK exports them under their
// names, so an app's declarations can name every type of the router (TS4023 otherwise).
export type { DatabaseHealthOk, ServiceHealth } from "./health/health-report.js";

/** The record `root.ts` registers: a router added there is in the SDK's type at once. */
type PublicRouterRecord = typeof featureRouters;

/** The error formatter's shape, as every procedure carries it (not via `AppRouter`: see above). */
type AppErrorShape = (typeof healthRouter)["check"]["_def"]["$types"]["errorShape"];

type RootTypes = AppRouter["_def"]["_config"]["$types"];

// Drift checks: `tsc` fails here when PublicAppRouter and AppRouter disagree.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
// biome-ignore lint/correctness/noUnusedVariables: a compile-time assertion, never used
type PublicRouterDriftCheck = [
  Assert<Equal<PublicAppRouter["_def"]["record"], AppRouter["_def"]["record"]>>,
  Assert<Equal<PublicAppRouter["_def"]["_config"]["$types"]["errorShape"], RootTypes["errorShape"]>>,
  Assert<Equal<RootTypes["transformer"], true>>,
  Assert<Equal<RootTypes["meta"], object>>,
];
