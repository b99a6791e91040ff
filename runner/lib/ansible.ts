import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Runs a product playbook with the real `ansible-playbook` and reads the JSON lines printed by the
 * `openbss_events` stdout callback (`playbooks/callback_plugins/openbss_events.py`).
 */

/** A task finished: its status, how long it took and a short message (never a whole result). */
export type AnsibleTaskResultEvent = {
  type: "task";
  task: string;
  status: "ok" | "changed" | "failed" | "skipped" | "unreachable";
  duration_ms: number;
  message: string;
  /** Set on a failure that `ignore_errors` let through. */
  ignored?: boolean;
};

/** One event of a playbook run, as the `openbss_events` callback prints it (one JSON object a line). */
export type AnsibleEvent =
  | { type: "task"; task: string; status: "started" }
  | AnsibleTaskResultEvent
  /** A rescue section started; `task` is the task whose failure started it. */
  | { type: "rescue"; task: string; rescue_task?: string }
  | { type: "stats"; ok: number; changed: number; failed: number; rescued: number; skipped?: number; unreachable?: number }
  /** The `openbss_outputs` key of the custom stats (`ansible.builtin.set_stats`, aggregated). */
  | { type: "outputs"; outputs: Record<string, unknown> };

/** What `runPlaybook` needs. */
export type RunPlaybookOptions = {
  /** Playbook name without `.yml` (`^[a-z0-9][a-z0-9_-]*$`); `<playbooksDir>/<playbook>.yml` must exist. */
  playbook: string;
  /** The job's variables, passed as `--extra-vars @file` (a 0600 file in a private directory, removed afterwards). */
  vars: Record<string, unknown>;
  /** Directory holding the playbooks, `roles/`, `templates/` and `callback_plugins/`. */
  playbooksDir: string;
  /** The process group is killed after this long. */
  timeoutMs: number;
  /** Dry run (`--check`): reads run, writes are skipped. */
  check?: boolean;
  /** Called for every event as it arrives. An exception thrown here is swallowed. */
  onEvent: (event: AnsibleEvent) => void;
  /** Extra environment for ansible-playbook (added to the small base environment, wins over it). */
  env?: Record<string, string>;
  /** Where the private vars directories go (default the system temp dir); the runner uses its state dir. */
  workDir?: string;
};

/** How a playbook run ended. */
export type RunPlaybookResult = {
  /** True when ansible-playbook exited 0 in time. */
  ok: boolean;
  exitCode: number | null;
  events: AnsibleEvent[];
  /** The playbook's `openbss_outputs` custom stats ({} when it set none). */
  outputs: Record<string, unknown>;
  /** The first task that failed (not counting failures ignored with `ignore_errors`), or null. */
  failedTask: string | null;
  /** Why the run failed (timeout, the last failed task's message, or ansible's own error), or null. */
  error: string | null;
  durationMs: number;
  /** stdout lines that were not events, and stderr (warnings, ansible errors); at most 64 KiB, the end kept. */
  log: string;
};

const PLAYBOOK_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const LOG_LIMIT = 64 * 1024;
const KILL_GRACE_MS = 2_000;
/** Variables taken from the runner's environment; everything else (runner API keys…) stays out. */
const PASSED_ENV = /^(PATH|HOME|USER|LOGNAME|LANG|LC_[A-Z]+|TZ|TMPDIR|PYTHONPATH|ANSIBLE_[A-Z0-9_]+|OPENBSS_[A-Z0-9_]+)$/;

/** The `ansible-playbook` executable: `ANSIBLE_PLAYBOOK` from the run's `env`, else from ours, else from PATH. */
export function ansiblePlaybookPath(extra: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env): string {
  return extra.ANSIBLE_PLAYBOOK || base.ANSIBLE_PLAYBOOK || "ansible-playbook";
}

/** Parses one stdout line into an event, or null when it is not one (then it is log text). */
export function parseEventLine(line: string): AnsibleEvent | null {
  const text = line.trim();
  if (!text.startsWith("{")) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const e = value as Record<string, unknown>;
  switch (e.type) {
    case "task":
      if (typeof e.task !== "string" || typeof e.status !== "string") return null;
      if (e.status === "started") return { type: "task", task: e.task, status: "started" };
      if (!["ok", "changed", "failed", "skipped", "unreachable"].includes(e.status)) return null;
      return {
        type: "task",
        task: e.task,
        status: e.status as AnsibleTaskResultEvent["status"],
        duration_ms: typeof e.duration_ms === "number" ? e.duration_ms : 0,
        message: typeof e.message === "string" ? e.message : "",
        ...(e.ignored === true ? { ignored: true } : {}),
      };
    case "rescue":
      return typeof e.task === "string" ? { type: "rescue", task: e.task, ...(typeof e.rescue_task === "string" ? { rescue_task: e.rescue_task } : {}) } : null;
    case "stats": {
      const n = (k: string) => (typeof e[k] === "number" ? (e[k] as number) : 0);
      return {
        type: "stats",
        ok: n("ok"),
        changed: n("changed"),
        failed: n("failed"),
        rescued: n("rescued"),
        skipped: n("skipped"),
        unreachable: n("unreachable"),
      };
    }
    case "outputs":
      return typeof e.outputs === "object" && e.outputs !== null && !Array.isArray(e.outputs)
        ? { type: "outputs", outputs: e.outputs as Record<string, unknown> }
        : null;
    default:
      return null;
  }
}

/** Splits a byte stream into lines, calling `onLine` for each complete one. */
function lineSplitter(onLine: (line: string) => void) {
  let pending = "";
  return {
    push(chunk: string) {
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        onLine(pending.slice(0, nl).replace(/\r$/, ""));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
      }
    },
    end() {
      if (pending.length > 0) onLine(pending);
      pending = "";
    },
  };
}

/** Refuses a playbook name that is not a plain name or whose file is missing; returns the file. */
export function resolvePlaybook(playbooksDir: string, playbook: string): string {
  if (!PLAYBOOK_NAME.test(playbook)) throw new Error(`invalid playbook name: ${JSON.stringify(playbook)}`);
  const file = join(resolve(playbooksDir), `${playbook}.yml`);
  if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`playbook not found: ${playbook}`);
  return file;
}

/** The environment ansible-playbook runs with: a filtered copy of ours, the callback settings, then `extra`. */
export function ansibleEnv(playbooksDir: string, extra: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && PASSED_ENV.test(k)) env[k] = v;
  Object.assign(env, {
    ANSIBLE_STDOUT_CALLBACK: "openbss_events",
    ANSIBLE_CALLBACK_PLUGINS: join(resolve(playbooksDir), "callback_plugins"),
    ANSIBLE_SHOW_CUSTOM_STATS: "true",
    ANSIBLE_NOCOLOR: "1",
    ANSIBLE_FORCE_COLOR: "0",
    ANSIBLE_LOCALHOST_WARNING: "false",
    ANSIBLE_INVENTORY_UNPARSED_WARNING: "false",
    ANSIBLE_RETRY_FILES_ENABLED: "false",
    ANSIBLE_PIPELINING: "true",
    ANSIBLE_HOST_KEY_CHECKING: "false",
    PYTHONUNBUFFERED: "1",
    PYTHONDONTWRITEBYTECODE: "1",
  });
  return Object.assign(env, extra);
}

/**
 * Runs `ansible-playbook <playbooksDir>/<playbook>.yml -i localhost, --extra-vars @<vars file>`
 * (plus `--check` for a dry run) and collects the callback's events. Never throws for a failing
 * run: the result says `ok: false` with the failed task and the error; it throws only for a refused
 * playbook name. The vars file (0600, in a private `mkdtemp` directory) is removed in every case; on
 * timeout the whole process group gets SIGTERM, then SIGKILL.
 */
export async function runPlaybook(options: RunPlaybookOptions): Promise<RunPlaybookResult> {
  const started = Date.now();
  const file = resolvePlaybook(options.playbooksDir, options.playbook);
  const dir = await mkdtemp(join(options.workDir ?? tmpdir(), "openbss-ansible-"));
  const varsFile = join(dir, "vars.json");
  const events: AnsibleEvent[] = [];
  let log = "";
  const appendLog = (text: string) => {
    log += text;
    if (log.length > LOG_LIMIT) log = log.slice(log.length - LOG_LIMIT);
  };
  try {
    await writeFile(varsFile, JSON.stringify(options.vars), { mode: 0o600, flag: "wx" });
    const args = [file, "-i", "localhost,", "--extra-vars", `@${varsFile}`];
    if (options.check) args.push("--check");
    const outcome = await new Promise<{ exitCode: number | null; timedOut: boolean; spawnError: string | null }>((done) => {
      let timedOut = false;
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      const child = spawn(ansiblePlaybookPath(options.env), args, {
        cwd: resolve(options.playbooksDir),
        env: ansibleEnv(options.playbooksDir, options.env),
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      // The playbook must not outlive the runner: a sentinel reads a pipe from this process and, when
      // the pipe closes because the runner died (even by SIGKILL), stops the playbook's process group.
      const sentinel =
        child.pid === undefined
          ? null
          : spawn("sh", ["-c", `read _ ; kill -TERM -${child.pid} 2>/dev/null; sleep 2; kill -KILL -${child.pid} 2>/dev/null`], {
              stdio: ["pipe", "ignore", "ignore"],
            });
      sentinel?.on("error", () => undefined);
      const finish = (exitCode: number | null, spawnError: string | null) => {
        if (settled) return;
        settled = true;
        // The playbook ended: the sentinel goes without touching a process group that may be reused.
        sentinel?.kill("SIGKILL");
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        done({ exitCode, timedOut, spawnError });
      };
      const killGroup = (signal: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          // the group is already gone
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup("SIGTERM");
        killTimer = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
      }, options.timeoutMs);
      const stdout = lineSplitter((line) => {
        const event = parseEventLine(line);
        if (event === null) {
          if (line.trim().length > 0) appendLog(`${line}\n`);
          return;
        }
        events.push(event);
        try {
          options.onEvent(event);
        } catch {
          // a listener's failure must not stop the run
        }
      });
      child.stdout.setEncoding("utf8");
      child.stderr.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => stdout.push(chunk));
      child.stderr.on("data", (chunk: string) => appendLog(chunk));
      child.on("error", (error) => finish(null, error.message));
      child.on("close", (code) => {
        stdout.end();
        // a timed-out run's leftovers (forked workers) must not outlive it
        if (timedOut) killGroup("SIGKILL");
        finish(code, null);
      });
    });
    const outputsEvent = events.findLast((e) => e.type === "outputs");
    const outputs = outputsEvent?.type === "outputs" ? outputsEvent.outputs : {};
    const failures = events.filter(
      (e): e is AnsibleTaskResultEvent => e.type === "task" && (e.status === "failed" || e.status === "unreachable") && !e.ignored,
    );
    const ok = !outcome.timedOut && outcome.spawnError === null && outcome.exitCode === 0;
    let error: string | null = null;
    if (outcome.timedOut) error = `timeout after ${options.timeoutMs} ms`;
    else if (outcome.spawnError !== null) error = `ansible-playbook could not start: ${outcome.spawnError}`;
    else if (!ok) {
      const last = failures.at(-1);
      error = last ? `${last.task}: ${last.message}` : lastErrorLine(log) || `ansible-playbook exited with code ${outcome.exitCode}`;
    }
    return {
      ok,
      exitCode: outcome.exitCode,
      events,
      outputs: ok ? outputs : {},
      failedTask: failures[0]?.task ?? null,
      error,
      durationMs: Date.now() - started,
      log,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The most telling line of ansible's own output (an `ERROR!` line when there is one). */
function lastErrorLine(log: string): string {
  const lines = log
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.find((l) => l.startsWith("ERROR!")) ?? lines.at(-1) ?? "";
}
