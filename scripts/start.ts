/**
 * `npm start`: the whole system on this machine — D1 migrations, simulators, the worker (workerd
 * through wrangler, local D1/DO/Queues under STATE_DIR), the demo seed. Ctrl-C stops every child.
 * Flags: --no-simulators, --no-runner (the runner arrives with the Provisioning module).
 */
import { resolve } from "node:path";
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

console.log(`
  Open BSS is running at ${worker.url}/admin
  API docs:  ${worker.url}/api/docs   (OpenAPI: ${worker.url}/api/v1/openapi.json)

  Sign in:   admin@example.com / ${vars.SEED_ADMIN_PASSWORD}
  Staff:     support@, billing@, provisioning@, inventory@, broadcaster@, approver@, readonly@example.com / ${vars.SEED_STAFF_PASSWORD}
  Portal:    customer@example.com, customer2@example.com / ${vars.SEED_CUSTOMER_PASSWORD} (POST /api/v1/auth/login)
  Runner:    RUNNER_API_KEY=${vars.RUNNER_API_KEY}
  Emails:    recorded by the Mailjet simulator at ${vars.MAILJET_API_BASE}/_sim/state

  Ctrl-C stops everything.
`);

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say("stopping…");
  await worker.stop();
  await Promise.all(simulators.map((s) => s.close()));
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
worker.process.once("exit", (code) => {
  if (!stopping) {
    console.error(`[start] the worker exited (${code}); stopping`);
    void shutdown(1);
  }
});
