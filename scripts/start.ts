/**
 * `npm start`: the whole system on this machine — D1 migrations, simulators, the worker (workerd
 * through wrangler, local D1/DO/Queues under STATE_DIR), the demo seed, the provisioning runner
 * (`runner/index.ts`) against the local worker, and the minute cron. Ctrl-C stops every child (the
 * runner first, so it can report what it is finishing); the worker and the runner run under the
 * orphan guard, so they die with npm start even when it is killed. Flags: --no-simulators, --no-runner.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { startSimulators } from "../simulators/index";
import { applyMigrations, localVars, ORPHAN_GUARD, prepareAssets, ROOT, seedDemo, startWorker } from "./lib/local";

const args = new Set(process.argv.slice(2));
const port = Number(process.env.PORT ?? 8787);
const stateDir = resolve(ROOT, process.env.STATE_DIR ?? ".wrangler/state");
const say = (line: string) => console.log(`[start] ${line}`);

/** Whether something already listens on 127.0.0.1:port. */
function portTaken(p: number): Promise<boolean> {
  return new Promise((resolveTaken) => {
    const probe = createServer();
    probe.once("error", () => resolveTaken(true));
    probe.listen(p, "127.0.0.1", () => probe.close(() => resolveTaken(false)));
  });
}

if (await portTaken(port)) {
  console.error(`[start] port ${port} is already in use on 127.0.0.1 (another npm start?). Stop it, or run PORT=8788 npm start.`);
  process.exit(1);
}
prepareAssets();
say(`state in ${stateDir}`);
applyMigrations(stateDir);
say("D1 migrations applied");
const vars = localVars(stateDir);
// The CBC's VTY (telnet host:port) where the runner reads per-cell results; not a worker variable.
const cbcVty = process.env.CBC_VTY || "127.0.0.1:12117";
const simulators = args.has("--no-simulators")
  ? []
  : await startSimulators({
      ...process.env,
      ...vars,
      CBC_VTY: cbcVty,
      // Stripe's simulator delivers its events to the worker as Stripe would (Dashboard → Webhooks).
      STRIPE_SIM_WEBHOOK_URL: process.env.STRIPE_SIM_WEBHOOK_URL || `http://127.0.0.1:${port}/webhooks/stripe`,
    }).catch((error: NodeJS.ErrnoException) => {
      console.error(
        error.code === "EADDRINUSE"
          ? `[start] a simulator's port is already in use (${error.message}): is another npm start running? Stop it, or use --no-simulators.`
          : `[start] the simulators did not start: ${error.message}`,
      );
      process.exit(1);
    });
for (const s of simulators) say(`simulator ${s.name} on ${s.url}`);
const worker = await startWorker({ port, stateDir, vars, log: (line) => console.log(`[worker] ${line}`) });
const created = await seedDemo(worker.url, vars.AUTH_SECRET ?? "");
say(created > 0 ? `demo data seeded (${created} customers)` : "demo data already present");

/** The runner as a child process, its JSON log lines prefixed like the worker's. */
function startRunner(): ChildProcess {
  // Through the orphan guard, so the runner (and its playbooks) never outlive npm start.
  const grace = Number(process.env.RUNNER_GRACE_MS || 10_000) + 5_000;
  const child = spawn(process.execPath, [ORPHAN_GUARD, String(grace), process.execPath, "--import", "tsx", join(ROOT, "runner/index.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      RUNNER_URL: worker.url,
      RUNNER_API_KEY: vars.RUNNER_API_KEY,
      RUNNER_STATE_DIR: process.env.RUNNER_STATE_DIR || join(stateDir, "runner"),
      RUNNER_GRACE_MS: process.env.RUNNER_GRACE_MS || "10000",
      CGRATES_URL: vars.CGRATES_URL,
      CBC_URL: vars.CBC_URL,
      CBC_VTY: cbcVty,
      CGRATES_TENANT: process.env.CGRATES_TENANT || "cgrates.org",
    },
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on("line", (line) => line.trim() && console.log(`[runner] ${line}`));
  }
  return child;
}

/** SIGTERM (graceful: running jobs finish or are given back); the guard SIGKILLs what is left after its grace. */
function stopRunner(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  return exited;
}

/**
 * The minute cron: wrangler dev cannot deliver scheduled events to this worker (see
 * worker/routes/dev.ts), so npm start runs the same tasks through the development trigger.
 */
async function runCron(): Promise<void> {
  try {
    const response = await fetch(`${worker.url}/dev/scheduled`, { method: "POST", headers: { "x-dev-secret": vars.AUTH_SECRET ?? "" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { outcomes } = (await response.json()) as { outcomes: { task: string; ok: boolean; error?: string }[] };
    for (const o of outcomes.filter((x) => !x.ok)) console.error(`[cron] ${o.task} failed: ${o.error}`);
  } catch (error) {
    if (!stopping) console.error(`[cron] not run: ${error instanceof Error ? error.message : error}`);
  }
}
const cron = setInterval(() => void runCron(), 60_000);
setTimeout(() => void runCron(), 5_000).unref();

let stopping = false;
const runner = args.has("--no-runner") ? null : startRunner();
if (runner) say("runner started (--no-runner to leave it out)");

console.log(`
  Open BSS is running at ${worker.url}/admin
  API docs:  ${worker.url}/api/docs   (OpenAPI: ${worker.url}/api/v1/openapi.json)

  Sign in:   admin@example.com / ${vars.SEED_ADMIN_PASSWORD}
  Staff:     support@, billing@, provisioning@, inventory@, broadcaster@, approver@, readonly@example.com / ${vars.SEED_STAFF_PASSWORD}
  Portal:    ${worker.url}/portal — customer@example.com, customer2@example.com / ${vars.SEED_CUSTOMER_PASSWORD} (also POST /api/v1/auth/login)
  Top-up:    ${worker.url}/topup — no sign-in: a demo customer's mobile number (shown on their portal services); the SMS code is recorded at ${vars.SMS_GATEWAY_URL ? `${new URL(vars.SMS_GATEWAY_URL).origin}/_sim/state` : "the SMS simulator's /_sim/state"}
  Runner:    ${runner ? "running, " : ""}RUNNER_API_KEY=${vars.RUNNER_API_KEY}${runner ? "" : `  (npm run runner -- --url ${worker.url})`}
  Emails:    recorded by the Mailjet simulator at ${vars.MAILJET_API_BASE}/_sim/state
  Payments:  the Stripe simulator at ${vars.STRIPE_API_BASE} (test cards such as pm_card_visa; state at /_sim/state)
  Broadcast: the cell broadcast centre simulator (Osmocom CBC ECBE API) at ${vars.CBC_URL}; messages at /_sim/state
             its VTY (per-cell results: telnet ${cbcVty.replace(":", " ")}, then show message id <id>) at ${cbcVty}
  Webhooks:  point an endpoint (Administration → Webhooks) at http://127.0.0.1:12115/<any path>; received at /_sim/state
  Cron:      the minute tasks run every minute (sweeps, retries, usage syncs, nightly reconciliation)

  Ctrl-C stops everything.
`);

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say("stopping…");
  clearInterval(cron);
  if (runner) await stopRunner(runner);
  await worker.stop();
  await Promise.all(simulators.map((s) => s.close()));
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGHUP", () => void shutdown(0));

/**
 * `npm start` runs this under npm, sh and tsx: if any of them is killed (kill -9 <npm pid>), stop
 * too, instead of running on unreachable. (The children stop with this process anyway: their
 * guards watch a pipe from it.) Linux only: the ancestors are read from /proc.
 */
function ancestors(): number[] {
  const pids: number[] = [];
  let pid = process.ppid;
  for (let i = 0; i < 8 && pid > 1; i++) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Only the launcher chain (npm, its sh -c, tsx): a user's shell or `nohup` parent may come and go.
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!/^(node|npm|sh|dash|tsx)\b/.test(name)) break;
      pids.push(pid);
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      break;
    }
  }
  return pids;
}
const watched = ancestors();
setInterval(() => {
  const gone = watched.find((pid) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  if (gone !== undefined && !stopping) {
    console.error(`[start] the process that started npm start (${gone}) is gone; stopping`);
    void shutdown(1);
  }
}, 2_000).unref();
runner?.once("exit", (code, signal) => {
  if (!stopping) console.error(`[start] the runner exited (${code ?? signal}); the rest keeps running (npm run runner to start it again)`);
});
worker.process.once("exit", (code) => {
  if (!stopping) {
    console.error(`[start] the worker exited (${code}); stopping`);
    void shutdown(1);
  }
});
