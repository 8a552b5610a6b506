// The example app as a user builds and runs it: the packed SDK installed from its tarball with
// npm, `next build`, `next start`, against the real API on a fresh database (CORS allowlist),
// in Debian's headless Chromium driven by Playwright. Supabase Auth is a stand-in that
// counts its requests: the app must not need it to read a session.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { createClient, type SessionDto } from "@s3ssions/client";
import {
  type ApiProcess,
  createTestDatabase,
  ensurePgBouncer,
  signHs256,
  spawnApi,
  type TestDatabase,
} from "@s3ssions/testing";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_DIR, buildApp, freePort, installApp, type NextServer, startApp } from "./consumer.js";
import {
  cookieHeader,
  type FakeSupabaseAuth,
  sessionCookies,
  sessionFor,
  startFakeSupabaseAuth,
  storageKey,
} from "./supabase-auth.js";

const RESULTS = join(APP_DIR, "test-results");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const JWT_SECRET = "example-web-test-secret-with-32-characters-or-more";
const ANON_KEY = "example-anon-key";
// The page's own JavaScript, gzipped: React, Next's runtime, TanStack Query, supabase-js and the SDK.
const PAGE_JS_BUDGET_GZIP = 300 * 1024;

let work: string;
let buildOutput: string;
let buildSeconds: number;
let auth: FakeSupabaseAuth;
let tdb: TestDatabase;
let api: ApiProcess;
let app: NextServer;
let profile: string;
let browser: BrowserContext;
let sessions: SessionDto[];

interface User {
  id: string;
  token: string;
  cookie: string;
}

async function user(): Promise<User> {
  const id = crypto.randomUUID();
  const token = await signHs256(JWT_SECRET, { sub: id });
  return { id, token, cookie: cookieHeader(sessionCookies(auth.url, sessionFor(id, token))) };
}

const sdkAs = (token?: string) => createClient({ url: api.baseUrl, getAccessToken: () => token });

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
  work = await mkdtemp(join(tmpdir(), "s3ssions-next-"));
  const databaseReady = (async () => {
    await ensurePgBouncer();
    return createTestDatabase("web");
  })();
  const installed = performance.now();
  await installApp(work);
  const built = performance.now();
  buildOutput = await buildApp(work);
  buildSeconds = (performance.now() - built) / 1000;
  console.log(
    `example-web: npm install ${((built - installed) / 1000).toFixed(1)} s, next build ${buildSeconds.toFixed(1)} s`,
  );

  auth = await startFakeSupabaseAuth();
  tdb = await databaseReady;
  const port = await freePort();
  api = await spawnApi({
    env: {
      SUPABASE_DB_URL: tdb.directUrl,
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
      SUPABASE_JWT_SECRET: JWT_SECRET,
      CORS_ORIGINS: `http://127.0.0.1:${port}`,
    },
  });
  const host = sdkAs(await signHs256(JWT_SECRET, { sub: crypto.randomUUID() }));
  sessions = [];
  for (let i = 1; i <= 7; i++) {
    const startsAt = new Date(Date.now() + (48 + i) * 3_600_000);
    sessions.push(
      await host.sessions.create.mutate({
        title: `Session ${i}`,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3_600_000),
        timezone: "Europe/Berlin",
        capacity: 3,
        location: "Studio 3",
      }),
    );
  }
  app = await startApp(work, port, {
    S3SSIONS_API_URL: api.baseUrl,
    SUPABASE_URL: auth.url,
    SUPABASE_ANON_KEY: ANON_KEY,
  });
  profile = await mkdtemp(join(tmpdir(), "s3ssions-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1000, height: 1200 },
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await api?.stop();
  await tdb?.drop();
  await auth?.close();
  for (const dir of [profile, work]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe("next build", () => {
  it("builds the app as written: the pages that read the session render per request, no force-dynamic", async () => {
    expect(work.startsWith(join(APP_DIR, "../.."))).toBe(false);
    expect(buildOutput).toMatch(/ƒ \/\s/);
    expect(buildOutput).toMatch(/ƒ \/api\/bookings/);
    expect(buildOutput).toMatch(/ƒ \/without-transformer/);
    const sources = await readdir(join(APP_DIR, "src"), { recursive: true });
    for (const file of sources.filter((name) => /\.tsx?$/.test(name))) {
      expect(await readFile(join(APP_DIR, "src", file), "utf8"), file).not.toMatch(/export const dynamic\b/);
    }
  });

  it("ships no server code and no SDK server-only module to the browser", async () => {
    const chunks = join(work, ".next/static/chunks");
    const files = (await readdir(chunks, { recursive: true })).filter((file) => file.endsWith(".js"));
    const code = (await Promise.all(files.map((file) => readFile(join(chunks, file), "utf8")))).join("\n");
    expect(code).not.toMatch(/prisma|initTRPC|fetchRequestHandler|@s3ssions\/(api|db)|SUPABASE_JWT_SECRET/i);
    expect(code).toContain("/api/trpc");
  });
});

describe("server rendering", () => {
  it("loads no more JavaScript than its budget", async () => {
    const html = await (await fetch(app.origin)).text();
    const scripts = [...new Set([...html.matchAll(/src="\/_next\/static\/([^"]+\.js)"/g)].map((match) => match[1]!))];
    expect(scripts.length).toBeGreaterThan(0);
    let gzip = 0;
    for (const script of scripts) gzip += gzipSync(await readFile(join(work, ".next/static", script))).length;
    console.log(`example-web: / loads ${scripts.length} scripts, ${(gzip / 1024).toFixed(1)} KiB gzip`);
    expect(gzip).toBeLessThan(PAGE_JS_BUDGET_GZIP);
  });

  it("answers HTML that already holds the sessions and the API's health (before any JavaScript runs)", async () => {
    const response = await fetch(app.origin);
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const title of ["Session 1", "Session 2", "Session 3", "Session 4", "Session 5"])
      expect(html).toContain(title);
    expect(html).not.toContain("Session 6");
    expect(html).toMatch(/API ok \(test, local\) · database connected in \d+ ms/);
    expect(html).toContain('data-signed-in="false"');
  });

  it("never shows one user another's bookings, however many requests run at once", async () => {
    const [alice, bob] = [await user(), await user()];
    const authBefore = auth.requests.length;
    await sdkAs(alice.token).bookings.create.mutate({ sessionId: sessions[0]!.id });
    await sdkAs(bob.token).bookings.create.mutate({ sessionId: sessions[2]!.id });
    const expected = new Map([
      [alice.cookie, sessions[0]!.id],
      [bob.cookie, sessions[2]!.id],
    ]);
    const requests = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? alice : bob));
    // The same shared SDK client serves every request: a route handler and the page, side by side.
    const answers = await Promise.all(
      requests.flatMap((who) => [
        fetch(`${app.origin}/api/bookings`, { headers: { cookie: who.cookie } }).then(async (response) => ({
          who,
          sessionIds: ((await response.json()) as { items: { sessionId: string }[] }).items.map((b) => b.sessionId),
        })),
        fetch(app.origin, { headers: { cookie: who.cookie } }).then(async (response) => ({
          who,
          sessionIds: [
            ...(await response.text()).matchAll(/<li data-session-id="([0-9a-f-]+)" data-status="confirmed"/g),
          ].map((match) => match[1]),
        })),
      ]),
    );
    for (const { who, sessionIds } of answers) expect(sessionIds).toEqual([expected.get(who.cookie)]);
    // Signed out, the route handler answers the API's own refusal.
    const anonymous = await fetch(`${app.origin}/api/bookings`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: "UNAUTHORIZED" });
    // Reading a session took no request to Supabase Auth.
    expect(auth.requests.slice(authBefore)).toEqual([]);
  });
});

describe("hydration without the SDK's transformer", () => {
  it("still has Dates in the App Router: React's own serialization carries them from Server to Client Components", async () => {
    const page = await browser.newPage();
    await page.goto(`${app.origin}/without-transformer`);
    await page.locator("#starts-at:not([data-kind=pending])").waitFor();
    expect(await page.locator("#starts-at").getAttribute("data-kind")).toBe("Date");
    await page.close();
  });
});

describe("the proxy", () => {
  it("refreshes an expired session before the page renders: the page uses the new token, the browser gets its cookie", async () => {
    const someone = await user();
    await sdkAs(someone.token).bookings.create.mutate({ sessionId: sessions[4]!.id });
    const now = Math.floor(Date.now() / 1000);
    // Expired for Supabase (expires_at) and for the API (exp): only the refreshed token can read the bookings.
    const expired = await signHs256(JWT_SECRET, { sub: someone.id, iat: now - 3660, exp: now - 60 });
    const stale = { ...sessionFor(someone.id, expired), expires_at: now - 60 };
    auth.addRefresh(stale.refresh_token, sessionFor(someone.id, someone.token));
    const authBefore = auth.requests.length;

    const response = await fetch(app.origin, { headers: { cookie: cookieHeader(sessionCookies(auth.url, stale)) } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`<li data-session-id="${sessions[4]!.id}" data-status="confirmed"`);
    expect(auth.requests.slice(authBefore)).toEqual(["POST /auth/v1/token?grant_type=refresh_token"]);
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith(`${storageKey(auth.url)}=base64-`))).toBe(
      true,
    );
    // A response that sets a session cookie is never cached for someone else.
    expect(response.headers.get("cache-control")).toMatch(/private|no-store/);
  });
});

async function titles(page: Page): Promise<string[]> {
  return page.locator("#sessions li h3").allTextContents();
}

describe("in Chromium", () => {
  it("hydrates without refetching, loads more, books with an optimistic seat count, signs in, books, shows field errors", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // React reports a hydration mismatch on the console; a refused call (401, 400 below) is expected.
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
        errors.push(message.text());
    });
    const apiRequests: { url: string; authorization: string | undefined; traceparent: string | undefined }[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(api.baseUrl) && request.method() !== "OPTIONS") {
        const headers = request.headers();
        apiRequests.push({
          url: request.url(),
          authorization: headers.authorization,
          traceparent: headers.traceparent,
        });
      }
    });

    const authBefore = auth.requests.length;
    const streamOpened = page.waitForRequest(/\/api\/trpc\/sessions\.live\?/);
    await page.goto(app.origin);
    await page.locator('html[data-hydrated="true"]').waitFor();
    expect(await titles(page)).toEqual(["Session 1", "Session 2", "Session 3", "Session 4", "Session 5"]);
    // The server's data was enough: no request for the list (or anything else) after hydration,
    // only the live seats' stream. (A refetch would start in the same commit as the stream; the
    // requests after "Load more" below would show it too. No networkidle: a stream never idles.)
    await streamOpened;
    const live = (request: { url: string }) => new URL(request.url).pathname === "/api/trpc/sessions.live";
    expect(apiRequests.filter((request) => !live(request))).toEqual([]);

    // The next page comes from the browser, straight from the API (CORS).
    await page.click("#more");
    await page.locator("#sessions li", { hasText: "Session 7" }).waitFor();
    expect(await titles(page)).toEqual(sessions.map((session) => session.title));
    expect(apiRequests.filter((request) => !live(request)).map((request) => new URL(request.url).pathname)).toEqual([
      "/api/trpc/sessions.list",
    ]);
    await page.locator("#more", { hasText: "No more sessions" }).waitFor();

    const second = page.locator(`#sessions li[data-session-id="${sessions[1]!.id}"]`);
    expect(await second.locator(".seats").textContent()).toBe("3 seats left");

    // Signed out: the seat count drops at the click (held request), then rolls back on UNAUTHORIZED.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/bookings\.create/, async (route) => {
      await held;
      await route.continue();
    });
    await second.locator("button.book").click();
    await second.locator(".seats", { hasText: "2 seats left" }).waitFor();
    release();
    await second.locator('output[data-status="error"]').waitFor();
    expect(await second.locator("output").textContent()).toMatch(/^Sign in to book\./);
    await second.locator(".seats", { hasText: "3 seats left" }).waitFor();
    await page.unroute(/bookings\.create/);

    // Signing in through Supabase Auth: @supabase/ssr writes the cookie, the Server Components render again.
    const me = await user();
    auth.addUser("me@example.com", "correct horse", sessionFor(me.id, me.token));
    await page.fill("#email", "me@example.com");
    await page.fill("#password", "correct horse");
    await page.click('#sign-in button[type="submit"]');
    await page.locator('#auth-state[data-signed-in="true"]').waitFor();
    const cookies = await browser.cookies(app.origin);
    expect(cookies.map((cookie) => cookie.name)).toContain(
      sessionCookies(auth.url, sessionFor(me.id, me.token))[0]!.name,
    );
    expect(await page.locator("#my-bookings li").count()).toBe(0);

    // Booking with the session's token; the seat count and "my bookings" come back from the server.
    const booked = page.locator(`#sessions li[data-session-id="${sessions[1]!.id}"]`);
    await booked.locator("button.book").click();
    await booked.locator('output[data-status="confirmed"]').waitFor();
    expect(await booked.locator("output").textContent()).toBe("Booked: your seat is confirmed.");
    await booked.locator(".seats", { hasText: "2 seats left" }).waitFor();
    await page.locator(`#my-bookings li[data-session-id="${sessions[1]!.id}"]`).waitFor();

    // Host form: the API's field errors show next to the fields.
    await page.fill("#host-title-input", "");
    await page.fill("#host-capacity", "0");
    await page.click('#host-form button[type="submit"]');
    await page.locator('#host-result[data-status="error"]').waitFor();
    expect(await page.locator("#host-result").textContent()).toBe("Check the highlighted fields.");
    expect(await page.locator('.field-error[data-field="capacity"]').textContent()).toMatch(/>=1/);

    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, "booking.png"), fullPage: true });

    // The API agrees, and the token travelled only once the person signed in.
    const mine = await sdkAs(me.token).bookings.mine.query();
    expect(mine.items.map((booking) => [booking.sessionId, booking.userId, booking.status])).toEqual([
      [sessions[1]!.id, me.id, "confirmed"],
    ]);
    // Every request from the browser carried its trace header: the API's CORS preflight let it through.
    // (An EventSource sends no custom header; the live stream needs none.)
    expect(
      apiRequests
        .filter((request) => !live(request))
        .every((request) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(request.traceparent ?? "")),
    ).toBe(true);
    const bookingCalls = apiRequests.filter((request) => request.url.includes("bookings.create"));
    expect(bookingCalls.map((request) => request.authorization)).toEqual([undefined, `Bearer ${me.token}`]);
    // Supabase Auth saw the sign-in and nothing else: sessions are read from the cookie.
    expect(auth.requests.slice(authBefore)).toEqual(["POST /auth/v1/token?grant_type=password"]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("live seats", () => {
  it("a booking in one page changes the seat count in another, without a reload or a refetch", async () => {
    const [watcher, booker] = [await browser.newPage(), await browser.newPage()];
    const watcherRequests: string[] = [];
    watcher.on("request", (request) => {
      if (request.url().startsWith(api.baseUrl) && request.method() !== "OPTIONS") watcherRequests.push(request.url());
    });
    const streamOpened = watcher.waitForRequest(/\/api\/trpc\/sessions\.live\?/);
    await watcher.goto(app.origin);
    await watcher.locator('html[data-hydrated="true"]').waitFor();
    await streamOpened;
    const target = sessions[3]!;
    const watched = watcher.locator(`#sessions li[data-session-id="${target.id}"] .seats`);
    expect(await watched.textContent()).toBe("3 seats left");

    // Signed in (the context holds the session cookie from the sign-in above), the other page books.
    await booker.goto(app.origin);
    await booker.locator('html[data-hydrated="true"]').waitFor();
    const item = booker.locator(`#sessions li[data-session-id="${target.id}"]`);
    await item.locator("button.book").click();
    await item.locator('output[data-status="confirmed"]').waitFor();

    await watcher.locator(`#sessions li[data-session-id="${target.id}"] .seats`, { hasText: "2 seats left" }).waitFor();
    // The count came through the stream: the watcher asked the API for nothing else.
    expect(watcherRequests.every((url) => url.includes("/api/trpc/sessions.live?"))).toBe(true);
    await Promise.all([watcher.close(), booker.close()]);
  });
});
