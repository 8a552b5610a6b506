import type * as z from "zod";

/** How many issues the one-line message names; the rest are in `data.zodError`. */
const NAMED_ISSUES = 3;

/**
 * One line a developer can read in a log or a toast, naming the first offending fields:
 * `Invalid input: title: expected string, received number; capacity: too small …`.
 * zod's own message is its issues as pretty-printed JSON.
 */
export function validationMessage(error: z.ZodError): string {
  const parts = error.issues.slice(0, NAMED_ISSUES).map((issue) => {
    const text = issue.message.replace(/^Invalid input:\s*/i, "").replace(/\s+/g, " ");
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${text}` : text;
  });
  const more = error.issues.length - NAMED_ISSUES;
  return `Invalid input: ${parts.join("; ")}${more > 0 ? ` (and ${more} more)` : ""}`;
}
