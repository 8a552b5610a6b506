import { appRouter } from "@s3ssions/api";
import type { ZodLike } from "./zod-arbitrary.js";

/** A procedure of the router as the tests that walk all of them see it: path, kind, input schema. */
export interface RouterProcedure {
  path: string;
  type: "query" | "mutation" | "subscription";
  input: ZodLike | undefined;
}

/** Every procedure of the router, read from its definition: a new one is covered without editing a test. */
export const routerProcedures: RouterProcedure[] = Object.entries(
  (
    appRouter as unknown as {
      _def: { procedures: Record<string, { _def: { type: RouterProcedure["type"]; inputs: unknown[] } }> };
    }
  )._def.procedures,
).map(([path, procedure]) => ({
  path,
  type: procedure._def.type,
  input: procedure._def.inputs[0] as ZodLike | undefined,
}));
