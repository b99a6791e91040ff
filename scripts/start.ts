/**
 * `npm start`: the whole system on this machine — D1 migrations, simulators, the worker (workerd
 * through wrangler, local D1/DO/Queues under STATE_DIR), the demo seed, then the provisioning runner
 * (`runner/index.ts`) against the local worker. Ctrl-C stops every child (the runner first, so it can
 * report what it is finishing). Flags: --no-simulators, --no-runner.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { startSimulators } from "../simulators/index";
import { applyMigrations, localVars, prepareAssets, ROOT, seedDemo, startWorker } from "./lib/local";

const args = new Set(process.argv.slice(2));
const port = Number(process.env.PORT ?? 8787);
const stateDir = resolve(ROOT, process.env.STATE_DIR ?? ".wrangler/state");
const say = (line: string) => console.log(`[start] ${line}`);

prepareAssets();
say(`state in ${stateDir}`);
applyMigrations(stateDir);
say("D1 migrations applied");
const vars = localVars(stateDir);
const simulators = args.has("--no-simulators") ? [] : await startSimulators({ ...process.env, ...vars });
for (const s of simulators) say(`simulator ${s.name} on ${s.url}`);
const worker = await startWorker({ port, stateDir, vars, log: (line) => console.log(`[worker] ${line}`) });
const created = await seedDemo(worker.url, vars.AUTH_SECRET ?? "");
say(created > 0 ? `demo data seeded (${created} customers)` : "demo data already present");

/** The runner as a child process, its JSON log lines prefixed like the worker's. */
function startRunner(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "runner/index.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      RUNNER_URL: worker.url,
      RUNNER_API_KEY: vars.RUNNER_API_KEY,
      RUNNER_STATE_DIR: process.env.RUNNER_STATE_DIR || join(stateDir, "runner"),
      RUNNER_GRACE_MS: process.env.RUNNER_GRACE_MS || "10000",
      CGRATES_URL: vars.CGRATES_URL,
      CGRATES_TENANT: process.env.CGRATES_TENANT || "cgrates.org",
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on("line", (line) => line.trim() && console.log(`[runner] ${line}`));
  }
  return child;
}

/** SIGTERM (graceful: running jobs finish or are given back), SIGKILL if it is still there after `ms`. */
function stopRunner(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  return exited.finally(() => clearTimeout(timer));
}

const runner = args.has("--no-runner") ? null : startRunner();
if (runner) say("runner started (--no-runner to leave it out)");

console.log(`
  Open BSS is running at ${worker.url}/admin
  API docs:  ${worker.url}/api/docs   (OpenAPI: ${worker.url}/api/v1/openapi.json)

  Sign in:   admin@example.com / ${vars.SEED_ADMIN_PASSWORD}
  Staff:     support@, billing@, provisioning@, inventory@, broadcaster@, approver@, readonly@example.com / ${vars.SEED_STAFF_PASSWORD}
  Portal:    customer@example.com, customer2@example.com / ${vars.SEED_CUSTOMER_PASSWORD} (POST /api/v1/auth/login)
  Runner:    ${runner ? "running, " : ""}RUNNER_API_KEY=${vars.RUNNER_API_KEY}${runner ? "" : `  (npm run runner -- --url ${worker.url})`}
  Emails:    recorded by the Mailjet simulator at ${vars.MAILJET_API_BASE}/_sim/state

  Ctrl-C stops everything.
`);

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say("stopping…");
  if (runner) await stopRunner(runner, Number(process.env.RUNNER_GRACE_MS || 10_000) + 5_000);
  await worker.stop();
  await Promise.all(simulators.map((s) => s.close()));
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
runner?.once("exit", (code, signal) => {
  if (!stopping) console.error(`[start] the runner exited (${code ?? signal}); the rest keeps running (npm run runner to start it again)`);
});
worker.process.once("exit", (code) => {
  if (!stopping) {
    console.error(`[start] the worker exited (${code}); stopping`);
    void shutdown(1);
  }
});
