// The example app as a person uses it: built by Vite, served from its own origin, in
// Debian's headless Chromium driven by Playwright, against the real API (CORS allowlist).
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
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
import { type StaticServer, serveStatic } from "./static-server.js";

const APP_DIR = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(APP_DIR, "dist");
const RESULTS = join(APP_DIR, "test-results");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const JWT_SECRET = "example-web-test-secret-with-32-characters-or-more";
// React, TanStack Query and tRPC's client are most of it; the SDK adds a few KB.
const BUNDLE_BUDGET_GZIP = 110 * 1024;

let site: StaticServer;
let tdb: TestDatabase;
let api: ApiProcess;
let profile: string;
let browser: BrowserContext;
let sessions: SessionDto[];
const userId = crypto.randomUUID();
let userToken: string;

beforeAll(async () => {
  if (!existsSync(join(DIST, "index.html")))
    throw new Error("apps/web/dist is missing: run `pnpm --filter @s3ssions/example-web build`");
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
  site = await serveStatic(DIST);
  await ensurePgBouncer();
  tdb = await createTestDatabase("web");
  api = await spawnApi({
    env: {
      SUPABASE_DB_URL: tdb.directUrl,
      SUPABASE_DB_URL_TRANSACTION: tdb.pooledUrl(),
      SUPABASE_JWT_SECRET: JWT_SECRET,
      CORS_ORIGINS: site.origin,
    },
  });
  const host = createClient({
    url: api.baseUrl,
    getAccessToken: () => signHs256(JWT_SECRET, { sub: crypto.randomUUID() }),
  });
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
  userToken = await signHs256(JWT_SECRET, { sub: userId });
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
    viewport: { width: 1000, height: 1000 },
  });
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await tdb?.drop();
  await site?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function titles(page: Page): Promise<string[]> {
  return page.locator("#sessions li h3").allTextContents();
}

describe("the example app's bundle", () => {
  it("pulls no Node built-in and no server code, and stays small", async () => {
    const assets = join(DIST, "assets");
    const scripts = (await readdir(assets)).filter((file) => file.endsWith(".js"));
    expect(scripts).toHaveLength(1);
    const code = await readFile(join(assets, scripts[0]!), "utf8");
    // A Node built-in as a module name, a stubbed one, an unreplaced process.env (React's own
    // `typeof process` guard is fine).
    expect(code).not.toMatch(/["'`]node:[a-z]|__vite-browser-external|\brequire\(|\bprocess\.env\b|\bBuffer\b/);
    expect(code).not.toMatch(/prisma|initTRPC|fetchRequestHandler|@s3ssions\/(api|db)/i);
    expect(code).toContain("/api/trpc");
    const gzip = gzipSync(code).length;
    console.log(`example-web bundle: ${(code.length / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzip`);
    expect(gzip).toBeLessThan(BUNDLE_BUDGET_GZIP);
  });
});

describe("in Chromium", () => {
  it("shows health, loads more sessions, books with an optimistic seat count that rolls back on error, shows field errors", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
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

    await page.goto(`${site.origin}/?api=${encodeURIComponent(api.baseUrl)}`);

    // Health: both procedures in one batched, cross-origin request.
    await page.locator('#health[data-state="ok"]').waitFor();
    expect(await page.locator("#health").textContent()).toMatch(
      /^API ok \(test, local\) · database connected in \d+ ms$/,
    );
    expect(apiRequests.some((request) => /\/api\/trpc\/health\.check,health\.db/.test(request.url))).toBe(true);
    // Every call carried the page's trace header: the API's CORS preflight let it through.
    expect(apiRequests.every((request) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(request.traceparent ?? ""))).toBe(
      true,
    );

    // An infinite list: the first page, then the next one appended.
    await page.locator("#sessions li").first().waitFor();
    expect(await titles(page)).toEqual(["Session 1", "Session 2", "Session 3", "Session 4", "Session 5"]);
    await page.click("#more");
    await page.locator("#sessions li", { hasText: "Session 7" }).waitFor();
    expect(await titles(page)).toEqual(sessions.map((session) => session.title));
    await page.locator("#more", { hasText: "No more sessions" }).waitFor();
    expect(await page.locator("#more").isDisabled()).toBe(true);

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
    expect(await second.locator("output").textContent()).toMatch(/^Sign in with an access token to book\./);
    await second.locator(".seats", { hasText: "3 seats left" }).waitFor();
    await page.unroute(/bookings\.create/);

    // Host form, signed in: the API's field errors show next to the fields.
    await page.fill("#token", userToken);
    await page.click('#token-form button[type="submit"]');
    await page.locator('#auth-state[data-signed-in="true"]').waitFor();
    await page.fill("#host-title-input", "");
    await page.fill("#host-capacity", "0");
    await page.click('#host-form button[type="submit"]');
    await page.locator('#host-result[data-status="error"]').waitFor();
    expect(await page.locator("#host-result").textContent()).toBe("Check the highlighted fields.");
    expect(await page.locator('.field-error[data-field="title"]').textContent()).toMatch(/\S/);
    expect(await page.locator('.field-error[data-field="capacity"]').textContent()).toMatch(/>=1/);

    // With a token, the seat is booked and the count comes back from the server.
    await second.locator("button.book").click();
    await second.locator('output[data-status="confirmed"]').waitFor();
    expect(await second.locator("output").textContent()).toBe("Booked: your seat is confirmed.");
    await second.locator(".seats", { hasText: "2 seats left" }).waitFor();

    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, "booking.png"), fullPage: true });

    // The API agrees, and the token travelled only once the person gave it.
    const mine = await createClient({ url: api.baseUrl, getAccessToken: () => userToken }).bookings.mine.query();
    expect(mine.items.map((booking) => [booking.sessionId, booking.userId, booking.status])).toEqual([
      [sessions[1]!.id, userId, "confirmed"],
    ]);
    const bookingCalls = apiRequests.filter((request) => request.url.includes("bookings.create"));
    expect(bookingCalls.map((request) => request.authorization)).toEqual([undefined, `Bearer ${userToken}`]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
