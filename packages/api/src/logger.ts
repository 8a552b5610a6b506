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
];

/** Masks URL passwords, bearer tokens and JWTs in free text before it is logged. */
export function redactSecrets(text: string): string {
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

/** One JSON object a line on stdout (stderr for warnings and errors): what Vercel's log drain expects. */
export const jsonLogger: Logger = {
  log(level, message, fields) {
    if (LEVELS[level] < minimum) return;
    const line = redactSecrets(JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields }));
    if (level === "error" || level === "warn") process.stderr.write(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  },
};
