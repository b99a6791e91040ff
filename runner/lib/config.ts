import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { vtyAddress } from "./cbc-vty";
import type { CgratesSettings } from "./executor";
import { isLogLevel, type LogLevel } from "./log";

/** The runner's settings, from the command line first, then the environment, then defaults. */
export type RunnerConfig = {
  url: string;
  key: string;
  concurrency: number;
  once: boolean;
  playbooksDir: string;
  stateDir: string;
  visibilityMs: number;
  jobTimeoutMs: number;
  graceMs: number;
  /** First delay before a job that could not reach CGRateS runs again (doubles per attempt, max 300 s). */
  retryBaseS: number;
  pollMs: number;
  logLevel: LogLevel;
  /** Null when CGRATES_URL is not set. */
  cgrates: CgratesSettings | null;
  /** The cell broadcast centre's ECBE base URL (CBC_URL); null when not set. */
  cbcUrl: string | null;
  /** The CBC's VTY, host:port (CBC_VTY / --cbc-vty), where per-cell results are read; null when not set. */
  cbcVty: string | null;
};

/** The usage text of `runner/index.ts`. */
export const USAGE = `Usage: npm run runner -- [options]   (node --import tsx runner/index.ts [options])

Options (environment variable in brackets):
  --url <url>              worker origin, e.g. https://bss.example.com   [RUNNER_URL]     required
  --key <key>              runner API key (prefer the variable: argv is visible to ps) [RUNNER_API_KEY] required
  --concurrency <n>        jobs at the same time, 1-10 (default 2)  [RUNNER_CONCURRENCY]
  --once                   process what is available, then exit     [RUNNER_ONCE=1]
  --playbooks <dir>        playbooks directory (default: the repository's playbooks/) [RUNNER_PLAYBOOKS]
  --state-dir <dir>        completed record (default ~/.open-bss-runner or ./.runner-state) [RUNNER_STATE_DIR]
  --visibility-ms <ms>     lease length, heartbeat every third (default 120000) [RUNNER_VISIBILITY_MS]
  --job-timeout-ms <ms>    a playbook run is killed after this (default 600000) [RUNNER_JOB_TIMEOUT_MS]
  --grace-ms <ms>          shutdown grace for running jobs (default 30000) [RUNNER_GRACE_MS]
  --retry-base-s <s>       first retry delay after CGRateS was unreachable, doubling (default 15) [RUNNER_RETRY_BASE_S]
  --poll-ms <ms>           pause after an empty pull (default 1000) [RUNNER_POLL_MS]
  --log-level <level>      debug|info|warn|error (default info) [RUNNER_LOG_LEVEL]
  --cbc-vty <host:port>    the CBC's VTY (telnet), read for per-cell results, e.g. 127.0.0.1:4264 [CBC_VTY]
  -h, --help               this text

CGRateS (added to every playbook's variables as \`cgrates\`, used by sync_balance):
  CGRATES_URL (JSON-RPC endpoint, e.g. http://127.0.0.1:2080/jsonrpc), CGRATES_TENANT (default cgrates.org),
  CGRATES_USER, CGRATES_PASSWORD.

Cell broadcast: CBC_URL, the Osmocom CBC's ECBE base URL (e.g. http://cbc.example:12345), used by broadcast jobs;
  CBC_VTY (--cbc-vty), its VTY's host:port (osmo-cbc's default port is 4264): after a send and for status jobs
  the runner reads each message's per-cell results there (show message id). Without it, sends report no cells.`;

/** The repository's `playbooks/` (next to `runner/`). */
export const DEFAULT_PLAYBOOKS = resolve(dirname(fileURLToPath(import.meta.url)), "../../playbooks");

/** `~/.open-bss-runner` when there is a home directory, else `./.runner-state`. */
export function defaultStateDir(home: string = safeHome(), cwd: string = process.cwd()): string {
  return home && home !== "/" ? join(home, ".open-bss-runner") : resolve(cwd, ".runner-state");
}

function safeHome(): string {
  try {
    return homedir();
  } catch {
    return "";
  }
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}

const truthy = (raw: string | undefined) => raw !== undefined && /^(1|true|yes|on)$/i.test(raw.trim());

/**
 * Reads the settings; `{error}` (with the reason) when something required is missing or a value is
 * out of range, `{help: true}` for `--help`.
 */
export function parseRunnerConfig(argv: string[], env: NodeJS.ProcessEnv): { config: RunnerConfig } | { error: string } | { help: true } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        key: { type: "string" },
        concurrency: { type: "string" },
        once: { type: "boolean" },
        playbooks: { type: "string" },
        "state-dir": { type: "string" },
        "visibility-ms": { type: "string" },
        "job-timeout-ms": { type: "string" },
        "grace-ms": { type: "string" },
        "retry-base-s": { type: "string" },
        "poll-ms": { type: "string" },
        "log-level": { type: "string" },
        "cbc-vty": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { help: true };
  const str = (flag: string, variable: string): string | undefined => {
    const v = values[flag];
    return typeof v === "string" ? v : env[variable] || undefined;
  };
  const url = str("url", "RUNNER_URL");
  const key = str("key", "RUNNER_API_KEY");
  const missing = [!url && "the worker URL (--url or RUNNER_URL)", !key && "the runner API key (--key or RUNNER_API_KEY)"].filter(Boolean);
  if (missing.length > 0 || !url || !key) return { error: `missing ${missing.join(" and ")}` };
  try {
    const parsedUrl = new URL(url);
    if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    return { error: `the worker URL is not an http(s) URL: ${JSON.stringify(url)}` };
  }
  const logLevel = str("log-level", "RUNNER_LOG_LEVEL") ?? "info";
  if (!isLogLevel(logLevel)) return { error: `--log-level must be debug, info, warn or error (got ${JSON.stringify(logLevel)})` };
  const cgratesUrl = env.CGRATES_URL || undefined;
  const cbcVty = str("cbc-vty", "CBC_VTY") ?? null;
  if (cbcVty !== null) {
    try {
      vtyAddress(cbcVty);
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }
  try {
    return {
      config: {
        url,
        key,
        concurrency: integer("--concurrency", str("concurrency", "RUNNER_CONCURRENCY"), 2, 1, 10),
        once: values.once === true || truthy(env.RUNNER_ONCE),
        playbooksDir: resolve(str("playbooks", "RUNNER_PLAYBOOKS") ?? DEFAULT_PLAYBOOKS),
        stateDir: resolve(str("state-dir", "RUNNER_STATE_DIR") ?? defaultStateDir()),
        visibilityMs: integer("--visibility-ms", str("visibility-ms", "RUNNER_VISIBILITY_MS"), 120_000, 3_000, 12 * 3600_000),
        jobTimeoutMs: integer("--job-timeout-ms", str("job-timeout-ms", "RUNNER_JOB_TIMEOUT_MS"), 600_000, 1_000, 24 * 3600_000),
        graceMs: integer("--grace-ms", str("grace-ms", "RUNNER_GRACE_MS"), 30_000, 0, 3600_000),
        retryBaseS: integer("--retry-base-s", str("retry-base-s", "RUNNER_RETRY_BASE_S"), 15, 0, 300),
        pollMs: integer("--poll-ms", str("poll-ms", "RUNNER_POLL_MS"), 1_000, 100, 600_000),
        logLevel,
        cgrates: cgratesUrl
          ? { url: cgratesUrl, tenant: env.CGRATES_TENANT || "cgrates.org", user: env.CGRATES_USER || undefined, password: env.CGRATES_PASSWORD || undefined }
          : null,
        cbcUrl: env.CBC_URL || null,
        cbcVty,
      },
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
