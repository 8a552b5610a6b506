/** Where tRPC is served: `/api/trpc/<procedure>[,<procedure>…]`. */
export const TRPC_ENDPOINT = "/api/trpc";
