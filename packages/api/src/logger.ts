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

/** One JSON object a line on stdout (stderr for errors): what Vercel's log drain expects. */
export const jsonLogger: Logger = {
  log(level, message, fields) {
    const line = redactSecrets(JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields }));
    if (level === "error" || level === "warn") process.stderr.write(`${line}\n`);
    else if (process.env.S3SSIONS_QUIET_LOGS !== "1") process.stdout.write(`${line}\n`);
  },
};
