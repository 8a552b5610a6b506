import { createHmac } from "node:crypto";

/** What a receiver gets, serialised once; the signature covers exactly these bytes. */
export interface WebhookEvent {
  id: string;
  type: string;
  createdAt: Date;
  data: unknown;
}

export const WEBHOOK_USER_AGENT = "s3ssions-webhooks/1";

/**
 * Standard Webhooks (https://www.standardwebhooks.com): `webhook-signature` is
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64-decoded part of
 * the `whsec_…` secret. Signing the id and the timestamp with the body lets a receiver
 * refuse a replayed old delivery (their libraries allow 5 minutes of skew).
 */
export function signStandardWebhook(secret: string, id: string, timestampSec: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSec}.${body}`).digest("base64")}`;
}

/** The body names the event in `type` (Standard Webhooks' payload shape, with our `id`). */
export function webhookBody(event: WebhookEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data });
}

export interface WebhookTarget {
  /** The URL without credentials (fetch refuses URLs that carry them). */
  url: string;
  secret: string;
  /** `Basic …` when WEBHOOK_URL carried user:password. */
  authorization: string | undefined;
}

/** Credentials in WEBHOOK_URL become a Basic authorization header; they never reach a log. */
export function webhookTarget(webhookUrl: string, secret: string): WebhookTarget {
  const url = new URL(webhookUrl);
  let authorization: string | undefined;
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  return { url: url.toString(), secret, authorization };
}

export type DeliveryResult =
  | { ok: true; httpStatus: number }
  /** `error` is short and secret-free: an HTTP status, "timeout" or an error code. */
  | { ok: false; httpStatus: number | undefined; error: string };

function describeFailure(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") return "timeout";
  // undici: TypeError("fetch failed") with the system error (ECONNREFUSED, …) as cause.
  // Only the code is kept: the cause's message names the host and port.
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return `network error (${code})`;
    current = (current as { cause?: unknown }).cause;
  }
  if (name === "TypeError") return "network error";
  return typeof name === "string" && /^[A-Za-z]{1,40}$/.test(name) ? `error (${name})` : "error";
}

/**
 * One POST of one event. Success is a 2xx; redirects are not followed (a signed body
 * goes to the configured URL only), so a 3xx is a failure like any other non-2xx.
 */
export async function deliverWebhook(
  target: WebhookTarget,
  event: WebhookEvent,
  attempt: number,
  timeoutMs: number,
): Promise<DeliveryResult> {
  const body = webhookBody(event);
  // Signed at each attempt: the id (the task's) stays, the timestamp is the attempt's.
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": WEBHOOK_USER_AGENT,
    "webhook-id": event.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signStandardWebhook(target.secret, event.id, timestamp, body),
    "x-s3ssions-event": event.type,
    "x-s3ssions-delivery": event.id,
    "idempotency-key": event.id,
    "x-s3ssions-attempt": String(attempt),
  };
  if (target.authorization) headers.authorization = target.authorization;
  try {
    const response = await fetch(target.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is of no interest; release the connection.
    await response.body?.cancel().catch(() => {});
    if (response.status >= 200 && response.status < 300) return { ok: true, httpStatus: response.status };
    return { ok: false, httpStatus: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, httpStatus: undefined, error: describeFailure(error) };
  }
}
