import type { SessionPage } from "@s3ssions/client";
import { PAGE_SIZE } from "./query-client";

/**
 * The list's input, shared by the server's prefetch and the client's query: the same input
 * is the same query key, so the browser finds the server's data in its cache.
 */
export const LIST_INPUT = { limit: PAGE_SIZE };

export const nextPage = (page: SessionPage) => page.nextCursor ?? undefined;
