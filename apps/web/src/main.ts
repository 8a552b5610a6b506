import { createClient, getErrorCode, getRequestId, type SessionDto } from "@s3ssions/client";
import { bookingFailure, seats, when } from "./messages.js";

/** Sessions per page. */
const PAGE_SIZE = 5;
const TOKEN_KEY = "s3ssions.accessToken";

/** `?api=` wins (handy for tests and previews), then the build's VITE_S3SSIONS_API_URL. */
function apiUrl(): string {
  return (
    new URLSearchParams(location.search).get("api") ?? import.meta.env.VITE_S3SSIONS_API_URL ?? "http://127.0.0.1:3000"
  );
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

const ui = {
  health: element<HTMLParagraphElement>("health"),
  tokenForm: element<HTMLFormElement>("token-form"),
  token: element<HTMLInputElement>("token"),
  signOut: element<HTMLButtonElement>("sign-out"),
  authState: element<HTMLParagraphElement>("auth-state"),
  sessions: element<HTMLOListElement>("sessions"),
  prev: element<HTMLButtonElement>("prev"),
  next: element<HTMLButtonElement>("next"),
  page: element<HTMLSpanElement>("page"),
  message: element<HTMLParagraphElement>("message"),
};

let accessToken = sessionStorage.getItem(TOKEN_KEY);

// One client for the page; the token is read for every request, so signing in or out
// needs no new client.
const client = createClient({ url: apiUrl(), getAccessToken: () => accessToken, timeoutMs: 15_000 });

function showAuth() {
  ui.authState.dataset.signedIn = String(Boolean(accessToken));
  ui.authState.textContent = accessToken ? "Signed in: you can book." : "Signed out: you can browse, not book.";
}

async function showHealth() {
  // Both calls go out in one batched request.
  const [check, db] = await Promise.allSettled([client.health.check.query(), client.health.db.query()]);
  if (check.status === "rejected") {
    ui.health.dataset.state = "down";
    ui.health.textContent = `API unreachable (${getErrorCode(check.reason) ?? "network error"})`;
    return;
  }
  const api = `API ${check.value.status} (${check.value.environment}, ${check.value.region})`;
  if (db.status === "fulfilled") {
    ui.health.dataset.state = "ok";
    ui.health.textContent = `${api} · database ${db.value.database} in ${Math.round(db.value.latencyMs)} ms`;
  } else {
    ui.health.dataset.state = "degraded";
    ui.health.textContent = `${api} · database unavailable (${getErrorCode(db.reason)})`;
  }
}

/** Cursors of the pages seen so far: cursors[i] opens page i (undefined for the first). */
const cursors: (string | undefined)[] = [undefined];
let pageIndex = 0;

function renderSession(session: SessionDto): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.sessionId = session.id;
  const title = document.createElement("h3");
  title.textContent = session.title;
  const time = document.createElement("p");
  time.className = "when";
  time.textContent = when(session);
  const left = document.createElement("p");
  left.className = "seats";
  left.textContent = seats(session);
  const book = document.createElement("button");
  book.type = "button";
  book.className = "book";
  book.textContent = "Book a seat";
  book.disabled = session.status !== "scheduled";
  const result = document.createElement("output");
  book.addEventListener("click", () => void bookSeat(session.id, book, left, result));
  item.append(title, time, left, book, result);
  return item;
}

async function showPage(index: number) {
  ui.message.textContent = "";
  ui.prev.disabled = ui.next.disabled = true;
  try {
    const cursor = cursors[index];
    const page = await client.sessions.list.query({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    pageIndex = index;
    if (page.nextCursor) cursors[index + 1] = page.nextCursor;
    ui.sessions.replaceChildren(...page.items.map(renderSession));
    if (page.items.length === 0) ui.message.textContent = "No upcoming sessions.";
    ui.page.textContent = `Page ${index + 1}`;
    ui.prev.disabled = index === 0;
    ui.next.disabled = !page.nextCursor;
  } catch (error) {
    ui.message.textContent = `Could not load sessions (${getErrorCode(error) ?? "network error"}).`;
    ui.prev.disabled = pageIndex === 0;
  }
}

async function bookSeat(sessionId: string, button: HTMLButtonElement, left: HTMLElement, result: HTMLOutputElement) {
  button.disabled = true;
  result.textContent = "Booking…";
  delete result.dataset.status;
  try {
    const booking = await client.bookings.create.mutate({ sessionId });
    result.dataset.status = booking.status;
    result.textContent =
      booking.status === "confirmed" ? "Booked: your seat is confirmed." : "You are on the waitlist.";
    left.textContent = seats(await client.sessions.byId.query({ id: sessionId }));
  } catch (error) {
    const requestId = getRequestId(error);
    result.dataset.status = "error";
    result.textContent = bookingFailure(getErrorCode(error)) + (requestId ? ` (request ${requestId})` : "");
    button.disabled = false;
  }
}

ui.tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  accessToken = ui.token.value.trim() || null;
  if (accessToken) sessionStorage.setItem(TOKEN_KEY, accessToken);
  ui.token.value = "";
  showAuth();
});
ui.signOut.addEventListener("click", () => {
  accessToken = null;
  sessionStorage.removeItem(TOKEN_KEY);
  showAuth();
});
ui.prev.addEventListener("click", () => void showPage(pageIndex - 1));
ui.next.addEventListener("click", () => void showPage(pageIndex + 1));

showAuth();
void showHealth();
void showPage(0);
