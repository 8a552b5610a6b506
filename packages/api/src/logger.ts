import { toIsoString } from "./iso-string.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

const SECRET_PATTERNS: [RegExp, string][] = [
  // postgresql://user:password@host → postgresql://user:***@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s]+@/gi, "$1***@"],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, "Bearer ***"],
  // A JWT anywhere in a message.
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, "***jwt***"],
  // Supabase's API keys (the new format): sb_secret_… and sb_publishable_….
  [/\bsb_(secret|publishable)_[A-Za-z0-9_-]+/g, "sb_$1_***"],
];

/** Masks URL passwords, bearer tokens, JWTs and Supabase API keys in free text before it is logged. */
export function redactSecrets(text: string): string {
  // Most lines hold none of them: three scans of every line would cost every request.
  if (!(text.includes("://") || text.includes("Bearer") || text.includes("eyJ") || text.includes("sb_"))) return text;
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** `LOG_LEVEL` (debug | info | warn | error, default info), read once per process. */
function minimumLevel(): number {
  const wanted = process.env.LOG_LEVEL as LogLevel | undefined;
  return LEVELS[wanted ?? "info"] ?? LEVELS.info;
}

const minimum = minimumLevel();

/**
 * Lines wait here and go out together, never one write per request (a write to a pipe or
 * file is synchronous in Node on Linux): at the end of the current event-loop turn, or,
 * when the last write was under MIN_WRITE_INTERVAL_MS ago, once that much time has passed
 * since it. So a quiet server writes each line at once and a busy one writes at most about
 * a hundred times a second, however many requests it answers. A full buffer goes out at
 * once; whatever is left goes out when the process exits, however it exits short of SIGKILL.
 */
const pending = { stdout: [] as string[], stderr: [] as string[], bytes: 0 };
const MAX_PENDING_BYTES = 64 * 1024;
const MIN_WRITE_INTERVAL_MS = 10;
let scheduled = false;
let lastWriteAt = Number.NEGATIVE_INFINITY;
let written: { promise: Promise<void>; resolve: () => void } | undefined;

/** Writes every line logged so far. */
export function flushLogs(): void {
  scheduled = false;
  pending.bytes = 0;
  if (pending.stdout.length > 0 || pending.stderr.length > 0) lastWriteAt = performance.now();
  if (pending.stdout.length > 0) {
    const text = `${pending.stdout.join("\n")}\n`;
    pending.stdout = [];
    process.stdout.write(text);
  }
  if (pending.stderr.length > 0) {
    const text = `${pending.stderr.join("\n")}\n`;
    pending.stderr = [];
    process.stderr.write(text);
  }
  written?.resolve();
  written = undefined;
}

/**
 * Resolves once the lines logged so far are written: what a serverless handler hands to
 * `waitUntil`, so that the instance is not frozen with its request's line unwritten.
 */
export function logsWritten(): Promise<void> {
  if (!scheduled) return Promise.resolve();
  if (!written) {
    let resolve = () => {};
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    written = { promise, resolve };
  }
  return written.promise;
}

process.on("exit", flushLogs);

/** One JSON object a line on stdout (stderr for warnings and errors): what Vercel's log drain expects. */
export const jsonLogger: Logger = {
  log(level, message, fields) {
    if (LEVELS[level] < minimum) return;
    const line = redactSecrets(JSON.stringify({ level, time: toIsoString(new Date()), msg: message, ...fields }));
    (level === "error" || level === "warn" ? pending.stderr : pending.stdout).push(line);
    pending.bytes += line.length;
    if (pending.bytes > MAX_PENDING_BYTES) flushLogs();
    else if (!scheduled) {
      scheduled = true;
      const wait = lastWriteAt + MIN_WRITE_INTERVAL_MS - performance.now();
      if (wait > 0) setTimeout(flushLogs, wait);
      else setImmediate(flushLogs);
    }
  },
};
