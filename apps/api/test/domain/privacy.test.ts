import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainApi, sessionInput, startDomainApi } from "../support.js";

// A session's meeting link is for its host and its confirmed attendees only, and answers
// that depend on the caller are never kept by a shared cache.

let ctx: DomainApi;
beforeAll(async () => {
  ctx = await startDomainApi("privacy");
});
afterAll(() => ctx?.close());

const LINK = "https://meet.example.com/secret-room";

async function get(procedure: string, input: unknown, token?: string) {
  const url = `${ctx.baseUrl}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = JSON.parse(await response.text());
  return { status: response.status, headers: response.headers, data: body.result ? superjson.deserialize(body.result.data) : undefined };
}

describe("onlineUrl: host and confirmed attendees only", () => {
  it("a stranger, signed in or not, and a waitlisted user get null; the host and a confirmed booking get the link", async () => {
    const host = await ctx.as();
    const session = await host.api.sessions.create.mutate(sessionInput({ capacity: 1, onlineUrl: LINK }));
    expect(session.onlineUrl).toBe(LINK);
    const confirmed = await ctx.as();
    const waitlisted = await ctx.as();
    const stranger = await ctx.as();
    expect((await confirmed.api.bookings.create.mutate({ sessionId: session.id })).status).toBe("confirmed");
    expect((await waitlisted.api.bookings.create.mutate({ sessionId: session.id })).status).toBe("waitlisted");

    const byId = (user?: { token: string }) => get("sessions.byId", { id: session.id }, user?.token);
    const listed = async (user?: { token: string }) => {
      const page = (await get("sessions.list", { hostId: host.userId }, user?.token)).data as {
        items: { id: string; onlineUrl: string | null }[];
      };
      return page.items.find((item) => item.id === session.id)?.onlineUrl;
    };
    const tokens = {
      host: await ctx.token(host.userId),
      confirmed: await ctx.token(confirmed.userId),
      waitlisted: await ctx.token(waitlisted.userId),
      stranger: await ctx.token(stranger.userId),
    };
    for (const [who, user, expected] of [
      ["signed out", undefined, null],
      ["stranger", tokens.stranger, null],
      ["waitlisted", tokens.waitlisted, null],
      ["confirmed", tokens.confirmed, LINK],
      ["host", tokens.host, LINK],
    ] as const) {
      const one = (await byId(user)).data as { onlineUrl: string | null };
      expect({ who, byId: one.onlineUrl, list: await listed(user) }).toEqual({ who, byId: expected, list: expected });
    }
    // The SDK's own path: an anonymous client reads null.
    expect((await ctx.anonymous.sessions.byId.query({ id: session.id })).onlineUrl).toBeNull();
  });
});

describe("Cache-Control", () => {
  it("answers that depend on the caller are private, no-store; public reads without a token are CDN-cacheable briefly", async () => {
    const user = await ctx.token();
    expect((await get("bookings.mine", {}, user.token)).headers.get("cache-control")).toBe("private, no-store");
    expect((await get("sessions.list", {}, user.token)).headers.get("cache-control")).toBe("private, no-store");
    const anonymous = await get("sessions.list", {});
    expect(anonymous.headers.get("cache-control")).toMatch(/^public, .*s-maxage=\d+.*stale-while-revalidate=\d+/);
    expect(anonymous.headers.get("vary")).toMatch(/Authorization/);
    const mutation = await fetch(`${ctx.baseUrl}/api/trpc/bookings.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
      body: JSON.stringify(superjson.serialize({ sessionId: "00000000-0000-4000-8000-000000000000" })),
    });
    expect(mutation.headers.get("cache-control")).toBe("private, no-store");
    const notFound = await get("sessions.byId", { id: "00000000-0000-4000-8000-000000000000" });
    expect(notFound.headers.get("cache-control")).toBe("private, no-store");
  });
});
