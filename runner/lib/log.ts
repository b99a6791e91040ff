/**
 * Structured logs of the runner: one JSON object per line (`{"level","msg",...fields,"at"}`).
 * Callers never pass secrets (API keys, CGRateS passwords, extra vars) as fields.
 */

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Extra fields of a log line (`job_id`, `lease_id`, `error`…). */
export type LogFields = Record<string, unknown>;

/** A structured logger. */
export type Logger = {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
};

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** True when `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return value in RANK;
}

/**
 * A logger writing one JSON line per call to `write` (stdout by default), dropping lines below
 * `minLevel`. A field that cannot be serialised is written as its string form.
 */
export function createLogger(options: { minLevel?: LogLevel; write?: (line: string) => void; now?: () => Date } = {}): Logger {
  const min = RANK[options.minLevel ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[level] < min) return;
    const entry: LogFields = { level, msg };
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined || k === "level" || k === "msg" || k === "at") continue;
      entry[k] = v instanceof Error ? v.message : v;
    }
    entry.at = now().toISOString();
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({ level, msg, at: entry.at, fields: String(fields) });
    }
    write(line);
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
  };
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error && error.cause.message !== error.message ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
