import http from "node:http";
import superjson from "superjson";

export interface KeyedAnswer {
  /** 0: no HTTP answer at all (the connection failed or was cut). */
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The call's deserialised data (success). */
  data: Record<string, unknown> | undefined;
  /** The call's error shape (failure). */
  error: { message: string; data: Record<string, unknown> } | undefined;
  text: string;
}

/**
 * One mutation over a connection of its own (no keep-alive: a fault proxy's faults are
 * per connection, so per call), with `Idempotency-Key: key` when given: what an SDK's
 * retry sends.
 */
export function mutate(
  baseUrl: string,
  procedure: string,
  input: unknown,
  options: { token: string; key?: string; timeoutMs?: number },
): Promise<KeyedAnswer> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token}`,
    "content-type": "application/json",
  };
  if (options.key !== undefined) headers["idempotency-key"] = options.key;
  const failed = (error: Error): KeyedAnswer => ({
    status: 0,
    headers: {},
    data: undefined,
    error: undefined,
    text: `${error.name}: ${error.message}`,
  });
  return new Promise((resolve) => {
    const request = http.request(
      `${baseUrl}/api/trpc/${procedure}`,
      { method: "POST", headers, agent: false, timeout: options.timeoutMs ?? 30_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => resolve(failed(error)));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            const json = JSON.parse(text) as { result?: { data?: unknown }; error?: { json?: unknown } };
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              data: json.result
                ? (superjson.deserialize(json.result.data as never) as Record<string, unknown>)
                : undefined,
              error: json.error?.json as KeyedAnswer["error"],
              text,
            });
          } catch (error) {
            resolve(failed(error as Error));
          }
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", (error) => resolve(failed(error)));
    request.end(JSON.stringify(superjson.serialize(input)));
  });
}
