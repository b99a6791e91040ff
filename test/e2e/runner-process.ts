import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT } from "../../scripts/lib/local";

/** The provisioning runner as a child process (`node --import tsx runner/index.ts`), as `npm start` runs it. */
export type RunnerProcess = {
  child: ChildProcess;
  /** Its JSON log lines so far (stdout and stderr). */
  lines: string[];
  /** SIGTERM to its process group, SIGKILL after `ms` (default 15 s); resolves when it has exited. */
  stop: (ms?: number) => Promise<void>;
  /** SIGKILL to the runner alone (a crash); resolves, once it has exited, with the process groups of the playbooks it was running. */
  kill: () => Promise<number[]>;
  /** Resolves with the first log line matching `pattern`, or rejects after `timeoutMs`. */
  waitForLine: (pattern: RegExp, timeoutMs: number) => Promise<string>;
};

export type RunnerOptions = {
  url: string;
  key: string;
  stateDir: string;
  cgratesUrl: string;
  /** Extra RUNNER_* settings (RUNNER_CONCURRENCY, RUNNER_VISIBILITY_MS, RUNNER_POLL_MS, RUNNER_RETRY_BASE_S…). */
  env?: Record<string, string>;
};

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

/**
 * Process groups led by children of `parent` (the runner starts each `ansible-playbook` in its own
 * group, so killing the runner's group alone would leave the playbook running). Linux /proc.
 */
function childGroups(parent: number): number[] {
  const groups: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === parent && Number(fields[2]) === Number(entry)) groups.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return groups;
}

/** Starts a runner in its own process group (`detached`), so killing the group takes its playbooks too. */
export function startRunner(opts: RunnerOptions): RunnerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "runner/index.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      RUNNER_URL: opts.url,
      RUNNER_API_KEY: opts.key,
      RUNNER_STATE_DIR: opts.stateDir,
      RUNNER_GRACE_MS: "5000",
      RUNNER_LOG_LEVEL: "info",
      CGRATES_URL: opts.cgratesUrl,
      CGRATES_TENANT: "cgrates.org",
      ...opts.env,
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      if (!line.trim()) return;
      lines.push(line);
      if (process.env.E2E_RUNNER_LOG) console.log(`[runner ${child.pid}] ${line}`);
      for (const w of watchers) w(line);
    });
  }
  const exit = new Promise<void>((resolve) => {
    if (exited(child)) resolve();
    else child.once("exit", () => resolve());
  });

  const stop = async (ms = 15_000) => {
    if (exited(child)) return;
    signalGroup(child, "SIGTERM");
    const timer = setTimeout(() => signalGroup(child, "SIGKILL"), ms);
    await exit;
    clearTimeout(timer);
  };
  /** A crash: SIGKILL to the runner alone (its playbooks must stop by themselves). Returns their process groups. */
  const kill = async () => {
    if (exited(child) || child.pid === undefined) return [];
    const playbooks = childGroups(child.pid);
    child.kill("SIGKILL");
    await exit;
    return playbooks;
  };
  const waitForLine = (pattern: RegExp, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return resolve(seen);
      const timer = setTimeout(() => {
        watchers.delete(watch);
        reject(new Error(`The runner logged no line matching ${pattern} within ${timeoutMs} ms. Its log:\n${lines.slice(-40).join("\n")}`));
      }, timeoutMs);
      const watch = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        watchers.delete(watch);
        resolve(line);
      };
      watchers.add(watch);
    });
  return { child, lines, stop, kill, waitForLine };
}
