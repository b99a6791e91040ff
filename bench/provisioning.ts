/**
 * Provisioning benchmark: order → active latency of a prepaid mobile product whose playbook is
 * `mobile_prepaid` (a SIM and a number from inventory, a CGRateS account with included balances),
 * end to end — the bundled worker in workerd (Miniflare), its queue consumer, the real runner
 * process (`node --import tsx runner/index.ts`) running the real `ansible-playbook` against the
 * CGRateS simulator — beside the same playbook run bare (`runPlaybook`, and a plain `ansible-playbook`
 * child process) in the same run; then jobs per minute with a runner of concurrency 4, with checks
 * that every service ended active, with its own SIM, number and CGRateS account.
 *
 * The sequential orders and the bare runs alternate (order, bare run, order, …), so both see the
 * same machine load. Each order's time is split with D1 timestamps (job written, ready, leased,
 * finished) and the runner's own log lines (job started, job finished) into its parts.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { ansibleEnv, ansiblePlaybookPath, resolvePlaybook, runPlaybook } from "../runner/lib/ansible";
import { DEFAULT_PLAYBOOKS } from "../runner/lib/config";
import { killPlaybookProcesses } from "../runner/lib/executor";
import { ROOT } from "../scripts/lib/local";
import { startCgratesSimulator } from "../simulators/cgrates/server";
import type { RunningSimulator } from "../simulators/lib/server";
import type { ProductView } from "../worker/domain/catalog/schemas";
import { type ProductCharging, productCharging } from "../worker/domain/charging/definition";
import { luhnCheckDigit } from "../worker/lib/identifiers";
import {
  benchState,
  type Client,
  client,
  expect,
  freePort,
  machineReport,
  ms,
  pool,
  printTable,
  type Reply,
  type Stats,
  send,
  summarize,
  verdict,
  writeResults,
} from "./lib";

const ORDERS = Number(process.env.BENCH_PROVISIONING_ORDERS ?? 50);
const BARE_RUNS = ORDERS;
// Plain `ansible-playbook` children, without runPlaybook's wrapper (vars file, event parsing).
const PLAIN_RUNS = 3;
const THROUGHPUT_ORDERS = Number(process.env.BENCH_PROVISIONING_THROUGHPUT ?? 100);
const THROUGHPUT_IN_FLIGHT = 8;
const THROUGHPUT_CONCURRENCY = 4;
// Orders and bare runs before anything is measured: workerd compiles, Python's modules reach the page cache.
const WARMUP = 2;
const STOCK = 200;
const CUSTOMERS = 10;
const RUNNER_POLL_MS = 100;
const SERVICE_POLL_MS = 50;
// The job row is read from D1 this often during a sequential order, to catch its short `ready` state.
const D1_POLL_MS = 10;
const ORDER_TIMEOUT_MS = 180_000;
const THROUGHPUT_TIMEOUT_MS = 20 * 60_000;
const PLAYBOOK_TIMEOUT_MS = 180_000;
// An order the worker could not finish (500, or 409 while the same key is in flight) is sent again with the same key.
const MAX_ATTEMPTS = 5;
const TARGETS = { overhead: 1.3 };
const PLAYBOOK = "mobile_prepaid";
const TENANT = "cgrates.org";
const GB = 2 ** 30;
const INCLUDED_BALANCES = [
  { unit: "data", amount: 10 * GB, validity_days: 30 },
  // Voice in seconds: 500 minutes.
  { unit: "voice", amount: 500 * 60, validity_days: 30 },
  { unit: "monetary", amount: 1000, validity_days: null },
];
const BALANCE_TYPES = ["*data", "*voice", "*monetary"];

const sleep = (msToWait: number) => new Promise<void>((resolve) => setTimeout(resolve, msToWait));
const epochOf = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/** An ICCID of the bench's issuer ("893316", a 12-digit serial, its Luhn check digit). */
function iccidOf(serial: number): string {
  const partial = `893316${String(serial).padStart(12, "0")}`;
  return `${partial}${luhnCheckDigit(partial)}`;
}

/** `count` SIMs and `count` numbers as CSV files (the import endpoint's text/csv). */
function stockFiles(count: number): { sims: Buffer; numbers: Buffer } {
  const sims = ["iccid,imsi,pin,puk,ki,location"];
  const numbers = ["msisdn,pool"];
  for (let i = 0; i < count; i++) {
    const ki = (0x1000_0000 + i * 7_919).toString(16).toUpperCase().padStart(8, "0").repeat(4);
    sims.push(
      `${iccidOf(700_000 + i)},20816${String(9_000_000_000 + i).padStart(10, "0")},${String(1000 + i).slice(-4)},${String(10_000_000 + i)},${ki},Bench depot`,
    );
    numbers.push(`+3367${String((i * 7_919 + 11) % 10_000_000).padStart(7, "0")},bench`);
  }
  return { sims: Buffer.from(`${sims.join("\n")}\n`), numbers: Buffer.from(`${numbers.join("\n")}\n`) };
}

/** One line of the runner's JSON log. */
type RunnerLine = { level?: string; msg?: string; at?: string; job_id?: string; duration_ms?: number; status?: string; error?: string };

/** What the runner logged about one job, as epoch ms. */
type RunnerJobLog = { started: number | null; finished: number | null; durationMs: number | null; posted: number | null; status: string | null };

/** The runner as a child process, its log lines gathered per job. */
type RunnerProcess = {
  child: ChildProcess;
  concurrency: number;
  jobs: Map<string, RunnerJobLog>;
  /** Warnings and errors it logged (and lines that were not JSON). */
  problems: string[];
  stop: () => Promise<void>;
  /** Synchronous last resort (process exit): its playbooks and its process group get killed. */
  kill: () => void;
};

/** Starts `node --import tsx runner/index.ts` like `npm start` does and waits for its loop to start. */
async function startRunner(p: { url: string; key: string; stateDir: string; cgratesUrl: string; concurrency: number }): Promise<RunnerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "runner/index.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      RUNNER_URL: p.url,
      RUNNER_API_KEY: p.key,
      RUNNER_STATE_DIR: p.stateDir,
      RUNNER_CONCURRENCY: String(p.concurrency),
      RUNNER_POLL_MS: String(RUNNER_POLL_MS),
      RUNNER_GRACE_MS: "5000",
      RUNNER_LOG_LEVEL: "info",
      CGRATES_URL: p.cgratesUrl,
      CGRATES_TENANT: TENANT,
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const jobs = new Map<string, RunnerJobLog>();
  const problems: string[] = [];
  const entry = (id: string): RunnerJobLog => {
    let log = jobs.get(id);
    if (!log) {
      log = { started: null, finished: null, durationMs: null, posted: null, status: null };
      jobs.set(id, log);
    }
    return log;
  };
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const onLine = (line: string) => {
    if (!line.trim()) return;
    let parsed: RunnerLine;
    try {
      parsed = JSON.parse(line) as RunnerLine;
    } catch {
      problems.push(line.slice(0, 300));
      return;
    }
    if (parsed.msg === "runner loop started") ready();
    if (parsed.level === "warn" || parsed.level === "error") problems.push(line.slice(0, 300));
    const at = epochOf(parsed.at);
    if (!parsed.job_id) return;
    const log = entry(parsed.job_id);
    if (parsed.msg === "job started") log.started = at;
    else if (parsed.msg === "job finished") {
      log.finished = at;
      log.durationMs = typeof parsed.duration_ms === "number" ? parsed.duration_ms : null;
      log.status = parsed.status ?? null;
    } else if (parsed.msg === "result posted") log.posted = at;
  };
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on("line", onLine);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = () => {
    if (child.pid === undefined) return;
    killPlaybookProcesses(child.pid);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (!alive() || child.pid === undefined) return;
    child.kill("SIGTERM");
    const timer = setTimeout(kill, 15_000);
    await exited;
    clearTimeout(timer);
  };
  const outcome = await Promise.race([started.then(() => "started"), exited.then(() => "exited"), sleep(60_000).then(() => "timeout")]);
  if (outcome !== "started") {
    kill();
    throw new Error(`the runner did not start (${outcome}): ${problems.slice(-5).join(" | ")}`);
  }
  return { child, concurrency: p.concurrency, jobs, problems, stop, kill };
}

/** A job row's state changes as seen by polling D1: when it was ready and when it was leased (its updated_at then). */
type JobWatch = { readyAt: number | null; leasedAt: number | null; stop: () => void };

/** Polls the job row every D1_POLL_MS and keeps the `updated_at` of its first `ready` and `leased` sightings. */
function watchJob(db: Database.Database, jobId: string): JobWatch {
  const statement = db.prepare(`SELECT status, updated_at FROM jobs WHERE id = ?`);
  const watch: JobWatch = { readyAt: null, leasedAt: null, stop: () => undefined };
  const read = () => {
    try {
      const row = statement.get(jobId) as { status: string; updated_at: string } | undefined;
      if (!row) return;
      if (row.status === "ready" && watch.readyAt === null) watch.readyAt = epochOf(row.updated_at);
      if (row.status === "leased" && watch.leasedAt === null) watch.leasedAt = epochOf(row.updated_at);
    } catch {
      // a busy database: the next read will do
    }
  };
  read();
  const timer = setInterval(read, D1_POLL_MS);
  watch.stop = () => clearInterval(timer);
  return watch;
}

type OrderReply = {
  serviceId: string;
  jobId: string;
  iccid: string | null;
  msisdn: string | null;
  sentAt: number;
  acceptedAt: number;
  apiMs: number;
  retries: number;
};

/** One order (POST /customers/{id}/services), sent again with its key on a 5xx or 409. */
async function placeOrder(api: Client, agent: http.Agent, customerId: string, productId: string, key: string): Promise<OrderReply> {
  const sentAt = Date.now();
  const start = performance.now();
  let reply: Reply | undefined;
  let retries = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    reply = await send(
      agent,
      api.base,
      "POST",
      `/api/v1/customers/${customerId}/services`,
      { ...api.auth(), "idempotency-key": key },
      { product_id: productId },
    );
    if (reply.status !== 409 && reply.status < 500) break;
    retries++;
    await sleep(10 * attempt);
  }
  if (reply?.status !== 202) throw new Error(`order ${key}: HTTP ${reply?.status} ${reply?.body.slice(0, 300)}`);
  const apiMs = performance.now() - start;
  const body = JSON.parse(reply.body) as { service: { id: string; identifiers: Record<string, string> }; job: { id: string } };
  return {
    serviceId: body.service.id,
    jobId: body.job.id,
    iccid: body.service.identifiers.iccid ?? null,
    msisdn: body.service.identifiers.msisdn ?? null,
    sentAt,
    acceptedAt: Date.now(),
    apiMs,
    retries,
  };
}

type SequentialOrder = OrderReply & {
  /** 202 → service seen `active` (the measured latency). */
  activeMs: number;
  status: string;
  polls: number;
  readyAt: number | null;
  leasedAt: number | null;
  activeSeenAt: number;
};

/** Places one order and polls the service every SERVICE_POLL_MS until it is active (or failed). */
async function orderUntilActive(
  api: Client,
  agent: http.Agent,
  db: Database.Database,
  customerId: string,
  productId: string,
  key: string,
): Promise<SequentialOrder> {
  const order = await placeOrder(api, agent, customerId, productId, key);
  const accepted = performance.now();
  const watch = watchJob(db, order.jobId);
  let status = "pending";
  let polls = 0;
  try {
    for (;;) {
      await sleep(SERVICE_POLL_MS);
      const service = (await api.get(agent, `/api/v1/services/${order.serviceId}`)) as { status: string };
      polls++;
      status = service.status;
      if (status === "active" || status === "failed") break;
      if (performance.now() - accepted > ORDER_TIMEOUT_MS)
        throw new Error(`order ${key}: service ${order.serviceId} still ${status} after ${ORDER_TIMEOUT_MS} ms`);
    }
  } finally {
    watch.stop();
  }
  return {
    ...order,
    activeMs: performance.now() - accepted,
    status,
    polls,
    readyAt: watch.readyAt,
    leasedAt: watch.leasedAt,
    activeSeenAt: Date.now(),
  };
}

type ProductVars = {
  id: string;
  slug: string;
  name: string;
  service_type: string;
  provisioning_json_vars: Record<string, unknown>;
  cgrates: Record<string, unknown>;
  included_balances: unknown[];
};
type InventoryVar = { id: string; type: string; fields: Record<string, unknown> };

/** The extra vars the worker and the runner give a provision job (worker/domain/jobs/runner.ts `jobBody`, runner/lib/executor.ts). */
function provisionVars(p: {
  serviceId: string;
  jobId: string;
  customer: { id: string; name: string; type: string };
  product: ProductVars;
  inventory: InventoryVar[];
  cgratesUrl: string;
  /** The product's ready charging definition (worker/domain/charging/definition.ts). */
  charging: ProductCharging;
}): Record<string, unknown> {
  return {
    job: { id: p.jobId, type: "provision", attempt: 1 },
    service: { id: p.serviceId, customer_id: p.customer.id, product_id: p.product.id, status: "provisioning", identifiers: {}, vars: {} },
    customer: p.customer,
    site: null,
    contact: null,
    product: p.product,
    inventory: p.inventory,
    ip_allocations: [],
    components: [],
    charging: { account: p.serviceId, currency: "EUR", report: [], product: p.charging },
    cgrates: { url: p.cgratesUrl, tenant: TENANT, user: "", password: "" },
  };
}

type BareRun = { kind: "runPlaybook" | "plain"; serviceId: string; ms: number; ok: boolean; error: string | null; msisdn: string | null };

/** The playbook through runPlaybook, as the runner's executor calls it. */
async function bareRun(serviceId: string, vars: Record<string, unknown>): Promise<BareRun> {
  const start = performance.now();
  const result = await runPlaybook({ playbook: PLAYBOOK, vars, playbooksDir: DEFAULT_PLAYBOOKS, timeoutMs: PLAYBOOK_TIMEOUT_MS, onEvent: () => undefined });
  const elapsed = performance.now() - start;
  const identifiers = result.outputs.identifiers as Record<string, unknown> | undefined;
  return {
    kind: "runPlaybook",
    serviceId,
    ms: elapsed,
    ok: result.ok,
    error: result.error,
    msisdn: typeof identifiers?.msisdn === "string" ? identifiers.msisdn : null,
  };
}

const execFileAsync = promisify(execFile);

/**
 * `ansible-playbook <play> -i localhost, --extra-vars @vars.json` as a plain child process (same
 * environment as runPlaybook). Asynchronous, not spawnSync: the CGRateS simulator answers in this
 * very process, so a blocked event loop would never answer the playbook's calls.
 */
async function plainRun(serviceId: string, vars: Record<string, unknown>): Promise<BareRun> {
  const dir = mkdtempSync(join(tmpdir(), "bench-provisioning-"));
  try {
    const varsFile = join(dir, "vars.json");
    writeFileSync(varsFile, JSON.stringify(vars), { mode: 0o600 });
    const args = [resolvePlaybook(DEFAULT_PLAYBOOKS, PLAYBOOK), "-i", "localhost,", "--extra-vars", `@${varsFile}`];
    const start = performance.now();
    try {
      const { stdout } = await execFileAsync(ansiblePlaybookPath(), args, {
        cwd: DEFAULT_PLAYBOOKS,
        env: ansibleEnv(DEFAULT_PLAYBOOKS),
        timeout: PLAYBOOK_TIMEOUT_MS,
        maxBuffer: 16 * 2 ** 20,
      });
      const elapsed = performance.now() - start;
      const msisdn = /"msisdn":\s*"([^"]+)"/.exec(stdout)?.[1] ?? null;
      return { kind: "plain", serviceId, ms: elapsed, ok: true, error: null, msisdn };
    } catch (error) {
      return {
        kind: "plain",
        serviceId,
        ms: performance.now() - start,
        ok: false,
        error: error instanceof Error ? error.message.slice(0, 300) : String(error),
        msisdn: null,
      };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One order's time split into its parts (ms); null where a moment was not caught. */
type Breakdown = {
  serviceId: string;
  jobId: string;
  total: number;
  /** POST → 202. */
  orderApi: number;
  /** 202 → job ready (queue consumer: Miniflare's batch timeout). */
  queueToReady: number | null;
  /** ready → leased (runner poll interval). */
  readyToLeased: number | null;
  /** 202 → leased (both of the above; known even when `ready` was too short to be seen). */
  acceptedToLeased: number | null;
  /** leased (worker) → "job started" (runner): the pull's answer and the job body. */
  leasedToStarted: number | null;
  /** "job started" → "job finished": the executor, i.e. the playbook run and the last events. */
  playbook: number | null;
  /** "job finished" → finished_at in D1: completed record, result POST, outcome applied. */
  resultToFinished: number | null;
  /** finished_at → service seen active by the bench's poll. */
  finishedToSeen: number | null;
};

type JobRow = { id: string; status: string; attempts: number; created_at: string; finished_at: string | null };

const diff = (later: number | null, earlier: number | null): number | null => (later === null || earlier === null ? null : later - earlier);

/** The parts of each sequential order, from the bench's clock, D1 and the runner's log. */
function breakdowns(orders: SequentialOrder[], rows: Map<string, JobRow>, runner: RunnerProcess): Breakdown[] {
  return orders.map((o) => {
    const row = rows.get(o.jobId);
    const log = runner.jobs.get(o.jobId);
    const finishedAt = epochOf(row?.finished_at);
    return {
      serviceId: o.serviceId,
      jobId: o.jobId,
      total: o.activeMs,
      orderApi: o.apiMs,
      queueToReady: diff(o.readyAt, o.acceptedAt),
      readyToLeased: diff(o.leasedAt, o.readyAt),
      acceptedToLeased: diff(o.leasedAt, o.acceptedAt),
      leasedToStarted: diff(log?.started ?? null, o.leasedAt),
      playbook: log?.durationMs ?? diff(log?.finished ?? null, log?.started ?? null),
      resultToFinished: diff(finishedAt, log?.finished ?? null),
      finishedToSeen: diff(o.activeSeenAt, finishedAt),
    };
  });
}

/** Statistics of the known values of one part. */
function partStats(rows: Breakdown[], pick: (b: Breakdown) => number | null): Stats {
  return summarize(rows.map(pick).filter((v): v is number => v !== null));
}

type Check = { name: string; value: string; expected: string; pass: boolean };

const check = (name: string, value: number, expected: number): Check => ({ name, value: String(value), expected: String(expected), pass: value === expected });

type SimState = {
  accounts: Record<string, { ID: string; BalanceMap: Record<string, { ID: string; Value: number }[]> | null }>;
  accountActionPlans: Record<string, string[]>;
};

/** Every ordered service active, its own SIM and number, one CGRateS account with the included balances; the bare runs' accounts apart. */
async function finalChecks(db: Database.Database, simUrl: string, orderedIds: string[], bareIds: string[], actionPlan: string): Promise<Check[]> {
  const ids = new Set(orderedIds);
  const services = (db.prepare(`SELECT id, status, identifiers FROM services`).all() as { id: string; status: string; identifiers: string }[]).filter((s) =>
    ids.has(s.id),
  );
  const identifiers = services.map((s) => JSON.parse(s.identifiers) as Record<string, string>);
  const iccids = identifiers.map((i) => i.iccid).filter((v): v is string => typeof v === "string");
  const msisdns = identifiers.map((i) => i.msisdn).filter((v): v is string => typeof v === "string");
  const imsis = identifiers.map((i) => i.imsi).filter((v): v is string => typeof v === "string");
  const items = (
    db.prepare(`SELECT type, service_id FROM inventory_items WHERE service_id IS NOT NULL`).all() as { type: string; service_id: string }[]
  ).filter((i) => ids.has(i.service_id));
  const perService = (type: string) => {
    const counts = new Map<string, number>();
    for (const i of items) if (i.type === type) counts.set(i.service_id, (counts.get(i.service_id) ?? 0) + 1);
    return orderedIds.filter((id) => counts.get(id) === 1).length;
  };
  const jobs = (
    db.prepare(`SELECT service_id, status, attempts FROM jobs WHERE type = 'provision'`).all() as { service_id: string; status: string; attempts: number }[]
  ).filter((j) => ids.has(j.service_id));
  const state = (await (await fetch(`${simUrl}/_sim/state`)).json()) as SimState;
  const accountIds = Object.keys(state.accounts);
  const withBalances = orderedIds.filter((id) => {
    const account = state.accounts[`${TENANT}:${id}`];
    const map = account?.BalanceMap ?? {};
    return BALANCE_TYPES.every((t) => (map[t] ?? []).length === 1);
  }).length;
  const ordered = orderedIds.length;
  return [
    check("ordered services", services.length, ordered),
    check("  of which active", services.filter((s) => s.status === "active").length, ordered),
    check("provision jobs succeeded", jobs.filter((j) => j.status === "succeeded").length, ordered),
    check("  of which on their first attempt", jobs.filter((j) => j.status === "succeeded" && j.attempts === 1).length, ordered),
    check("distinct ICCIDs (service identifiers)", new Set(iccids).size, ordered),
    check("distinct MSISDNs (service identifiers)", new Set(msisdns).size, ordered),
    check("services with an IMSI from the playbook", imsis.length, ordered),
    check("services holding exactly one SIM in D1", perService("sim"), ordered),
    check("services holding exactly one number in D1", perService("phone_number"), ordered),
    check("services with a CGRateS account", orderedIds.filter((id) => accountIds.includes(`${TENANT}:${id}`)).length, ordered),
    check("  with one data, voice and monetary balance each", withBalances, ordered),
    check(
      `  with the product's renewal plan ${actionPlan}`,
      orderedIds.filter((id) => (state.accountActionPlans[`${TENANT}:${id}`] ?? []).includes(actionPlan)).length,
      ordered,
    ),
    check("CGRateS accounts (orders + bare runs)", accountIds.length, ordered + bareIds.length),
    check("bare runs with their account", bareIds.filter((id) => accountIds.includes(`${TENANT}:${id}`)).length, bareIds.length),
  ];
}

type ThroughputRun = {
  orders: number;
  inFlight: number;
  runnerConcurrency: number;
  placeSeconds: number;
  seconds: number;
  jobsPerMinute: number;
  d1Seconds: number | null;
  d1JobsPerMinute: number | null;
  completed: number;
  failed: number;
  orderApi: Stats;
  orderToActive: Stats;
  playbook: Stats;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
};

export type ProvisioningOptions = { keep?: boolean };

/** Measures order → active against bare ansible-playbook, then jobs per minute; checks, prints and saves the results. */
export async function run(options: ProvisioningOptions = {}) {
  const sockets = THROUGHPUT_IN_FLIGHT + 2;
  return benchState("provisioning", { keep: options.keep, sockets }, async ({ startedAt, stateDir, file, agent, startWorker, onCleanup, onExit }) => {
    let simulator: RunningSimulator | undefined;
    let runner: RunnerProcess | undefined;
    let db: Database.Database | undefined;
    // Released in this order: the runner and its playbooks, the database handle, the simulator (then the worker).
    onCleanup(async () => {
      await runner?.stop();
      runner = undefined;
      killPlaybookProcesses(process.pid);
    });
    onCleanup(() => {
      db?.close();
      db = undefined;
    });
    onCleanup(async () => {
      await simulator?.close();
      simulator = undefined;
    });
    // On process exit (Miniflare's own signal handler exits at once): runner and playbooks killed, synchronously.
    onExit(() => {
      runner?.kill();
      killPlaybookProcesses(process.pid);
    });
    const loadAtStart = loadavg();
    simulator = await startCgratesSimulator(await freePort());
    const cgratesUrl = `${simulator.url}/jsonrpc`;
    const worker = await startWorker({ CGRATES_URL: cgratesUrl });
    const api = client(worker, "bench/provisioning");
    console.log(`  worker on ${worker.url}, CGRateS simulator on ${simulator.url}; load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`);
    await api.login(agent);

    // Setup: stock, product, customers, a runner key.
    const stock = stockFiles(STOCK);
    for (const [type, body] of [
      ["sim", stock.sims],
      ["phone_number", stock.numbers],
    ] as const) {
      const path = `/api/v1/inventory/import?type=${type}&mode=all_or_nothing&dry_run=false`;
      const reply = await expect(
        200,
        `import ${type}`,
        send(agent, api.base, "POST", path, { ...api.auth(), "content-type": "text/csv", "idempotency-key": `stock-${type}` }, body),
      );
      const summary = JSON.parse(reply.body) as { imported: number; rejected: number };
      if (summary.imported !== STOCK) throw new Error(`import ${type}: ${summary.imported} imported, ${summary.rejected} rejected`);
    }
    const product = (await api.post(
      agent,
      "/api/v1/products",
      {
        name: "Bench Mobile Prepaid",
        slug: "bench-mobile-prepaid",
        type: "standalone",
        service_type: "mobile",
        status: "active",
        retail_price: 999,
        provisioning_play: PLAYBOOK,
        required_inventory: ["sim", "phone_number"],
        cgrates: { account_options: {}, action_plan: null, actions: null },
        included_balances: INCLUDED_BALANCES,
      },
      201,
    )) as unknown as ProductVars & ProductView;
    const charging = productCharging(product);
    const productVars: ProductVars = {
      id: product.id,
      slug: product.slug,
      name: product.name,
      service_type: product.service_type,
      provisioning_json_vars: product.provisioning_json_vars,
      cgrates: product.cgrates,
      included_balances: product.included_balances,
    };
    const customers: { id: string; name: string; type: string }[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const c = await api.post(agent, "/api/v1/customers", { name: `Bench Provisioning ${i}`, type: "individual", payment_type: "prepaid" }, 201);
      customers.push({ id: String(c.id), name: String(c.name), type: String(c.type) });
    }
    const customerOf = (i: number) => customers[i % customers.length] ?? { id: "", name: "", type: "individual" };
    const key = await api.post(agent, "/api/v1/api-keys", { name: "bench runner", kind: "runner", permissions: ["customers:read"] }, 201);
    const runnerKey = String(key.secret);

    db = new Database(file, { readonly: true, fileMustExist: true });
    // Bare runs get real stock rows (public fields, as the job body has them), not reserved: they never reach the worker.
    const spare = (type: string) =>
      (
        (db?.prepare(`SELECT id, type, fields FROM inventory_items WHERE type = ? ORDER BY id DESC LIMIT 40`).all(type) ?? []) as {
          id: string;
          type: string;
          fields: string;
        }[]
      ).map((r) => ({ id: r.id, type: r.type, fields: JSON.parse(r.fields) as Record<string, unknown> }));
    const spareSims = spare("sim");
    const spareNumbers = spare("phone_number");
    const bareIds: string[] = [];
    const bareVars = (n: number, prefix: string) => {
      const serviceId = `svc_bench${prefix}${String(n).padStart(4, "0")}`;
      bareIds.push(serviceId);
      const sim = spareSims[n % spareSims.length];
      const number = spareNumbers[n % spareNumbers.length];
      return {
        serviceId,
        vars: provisionVars({
          serviceId,
          jobId: `job_bench${prefix}${String(n).padStart(4, "0")}`,
          customer: customerOf(n),
          product: productVars,
          inventory: [sim, number].filter((v): v is InventoryVar => v !== undefined),
          cgratesUrl,
          charging,
        }),
      };
    };

    // 1. Sequential: one runner slot; each order waited for, then the same playbook bare.
    runner = await startRunner({ url: worker.url, key: runnerKey, stateDir: join(stateDir, "runner-1"), cgratesUrl, concurrency: 1 });
    console.log(`  runner (concurrency 1, poll ${RUNNER_POLL_MS} ms) started; ${WARMUP} warm-up orders and bare runs`);
    const orderedIds: string[] = [];
    for (let i = 0; i < WARMUP; i++) {
      const o = await orderUntilActive(api, agent, db, customerOf(i).id, productVars.id, `warmup-${i}`);
      orderedIds.push(o.serviceId);
      const b = bareVars(i, "warm");
      const r = await bareRun(b.serviceId, b.vars);
      if (!r.ok) throw new Error(`warm-up bare run failed: ${r.error}`);
    }
    const sequential: SequentialOrder[] = [];
    const bare: BareRun[] = [];
    const sequentialLoad = loadavg();
    await api.login(agent);
    for (let i = 0; i < Math.max(ORDERS, BARE_RUNS); i++) {
      if (i < ORDERS) {
        const o = await orderUntilActive(api, agent, db, customerOf(i).id, productVars.id, `seq-${i}`);
        sequential.push(o);
        orderedIds.push(o.serviceId);
      }
      if (i < BARE_RUNS) {
        const b = bareVars(i, "bare");
        bare.push(await bareRun(b.serviceId, b.vars));
      }
      if ((i + 1) % 10 === 0) {
        // Access tokens live 15 minutes: a slow machine must not turn the polls into 401s.
        await api.login(agent);
        const last = sequential.slice(-10).map((o) => o.activeMs);
        const lastBare = bare.slice(-10).map((r) => r.ms);
        console.log(
          `  ${i + 1}/${ORDERS}: order → active p50 ${ms(summarize(last).p50)} ms, bare p50 ${ms(summarize(lastBare).p50)} ms, load ${loadavg()[0]?.toFixed(2)}`,
        );
      }
    }
    const plain: BareRun[] = [];
    for (let i = 0; i < PLAIN_RUNS; i++) {
      const b = bareVars(i, "plain");
      plain.push(await plainRun(b.serviceId, b.vars));
    }
    const sequentialLoadEnd = loadavg();
    const runner1 = runner;
    await runner.stop();
    runner = undefined;

    const jobRows = new Map((db.prepare(`SELECT id, status, attempts, created_at, finished_at FROM jobs`).all() as JobRow[]).map((r) => [r.id, r] as const));
    const parts = breakdowns(sequential, jobRows, runner1);
    const orderStats = summarize(sequential.map((o) => o.activeMs));
    const bareOk = bare.filter((r) => r.ok);
    const bareStats = summarize(bareOk.map((r) => r.ms));
    const plainStats = summarize(plain.filter((r) => r.ok).map((r) => r.ms));
    const ratio = { p50: orderStats.p50 / bareStats.p50, p95: orderStats.p95 / bareStats.p95, mean: orderStats.mean / bareStats.mean };

    // 2. Throughput: a runner of concurrency 4, orders placed as fast as 8 in flight allow.
    runner = await startRunner({ url: worker.url, key: runnerKey, stateDir: join(stateDir, "runner-4"), cgratesUrl, concurrency: THROUGHPUT_CONCURRENCY });
    console.log(`  runner (concurrency ${THROUGHPUT_CONCURRENCY}) started; ${THROUGHPUT_ORDERS} orders, ${THROUGHPUT_IN_FLIGHT} in flight`);
    await api.login(agent);
    const burst: OrderReply[] = [];
    const throughputLoad = loadavg();
    const burstStart = performance.now();
    const firstSentAt = Date.now();
    await pool(THROUGHPUT_ORDERS, THROUGHPUT_IN_FLIGHT, async (i) => {
      burst.push(await placeOrder(api, agent, customerOf(i).id, productVars.id, `burst-${i}`));
    });
    const placeSeconds = (performance.now() - burstStart) / 1000;
    console.log(`  ${burst.length} orders placed in ${placeSeconds.toFixed(1)} s; waiting for them to be active`);
    const burstIds = new Set(burst.map((o) => o.serviceId));
    const serviceRows = db.prepare(`SELECT id, status, activated_at FROM services WHERE product_id = ?`);
    let done: { id: string; status: string; activated_at: string | null }[] = [];
    let lastReport = performance.now();
    for (;;) {
      const rows = (serviceRows.all(productVars.id) as { id: string; status: string; activated_at: string | null }[]).filter((r) => burstIds.has(r.id));
      done = rows.filter((r) => r.status === "active" || r.status === "failed");
      if (done.length === burst.length) break;
      if (performance.now() - burstStart > THROUGHPUT_TIMEOUT_MS) break;
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        console.log(`  ${done.length}/${burst.length} done after ${((lastReport - burstStart) / 1000).toFixed(0)} s, load ${loadavg()[0]?.toFixed(2)}`);
      }
      await sleep(100);
    }
    const active = done.filter((r) => r.status === "active");
    const lastActive = Math.max(...active.map((r) => epochOf(r.activated_at) ?? 0));
    const seconds = active.length > 0 ? (lastActive - firstSentAt) / 1000 : Number.NaN;
    const burstJobs = new Set(burst.map((o) => o.jobId));
    const burstRows = (db.prepare(`SELECT id, status, attempts, created_at, finished_at FROM jobs`).all() as JobRow[]).filter((r) => burstJobs.has(r.id));
    const created = Math.min(...burstRows.map((r) => epochOf(r.created_at) ?? Number.POSITIVE_INFINITY));
    const finished = Math.max(...burstRows.map((r) => epochOf(r.finished_at) ?? 0));
    const d1Seconds = burstRows.length > 0 && Number.isFinite(created) && finished > 0 ? (finished - created) / 1000 : null;
    const acceptedAt = new Map(burst.map((o) => [o.serviceId, o.acceptedAt] as const));
    const throughput: ThroughputRun = {
      orders: burst.length,
      inFlight: THROUGHPUT_IN_FLIGHT,
      runnerConcurrency: THROUGHPUT_CONCURRENCY,
      placeSeconds,
      seconds,
      jobsPerMinute: (active.length / seconds) * 60,
      d1Seconds,
      d1JobsPerMinute: d1Seconds ? (burstRows.filter((r) => r.status === "succeeded").length / d1Seconds) * 60 : null,
      completed: active.length,
      failed: done.length - active.length,
      orderApi: summarize(burst.map((o) => o.apiMs)),
      orderToActive: summarize(active.map((r) => (epochOf(r.activated_at) ?? 0) - (acceptedAt.get(r.id) ?? 0))),
      playbook: summarize(burst.map((o) => runner?.jobs.get(o.jobId)?.durationMs).filter((v): v is number => typeof v === "number")),
      loadAverageAtStart: throughputLoad,
      loadAverageAtEnd: loadavg(),
    };
    const runner4Problems = runner.problems;
    await runner.stop();
    runner = undefined;
    orderedIds.push(...burst.map((o) => o.serviceId));

    const checks = await finalChecks(db, simulator.url, orderedIds, bareIds, charging.account.action_plans[0] ?? "(none)");
    const allActive = checks.every((c) => c.pass);
    const failedBare = [...bare, ...plain].filter((r) => !r.ok);

    console.log("");
    printTable([
      ["sequential (runner concurrency 1)", "n", "min ms", "p50 ms", "p95 ms", "mean ms", "max ms"],
      [
        "order 202 → service active (poll 50 ms)",
        String(orderStats.n),
        ms(orderStats.min),
        ms(orderStats.p50),
        ms(orderStats.p95),
        ms(orderStats.mean),
        ms(orderStats.max),
      ],
      ...(
        [
          ["bare: runPlaybook (ansible-playbook)", bareStats],
          ["bare: plain ansible-playbook child", plainStats],
        ] as const
      ).map(([name, s]) => [name, String(s.n), ms(s.min), ms(s.p50), ms(s.p95), ms(s.mean), ms(s.max)]),
    ]);
    console.log(
      `order → active / bare: p50 ${ratio.p50.toFixed(2)}×, p95 ${ratio.p95.toFixed(2)}×, mean ${ratio.mean.toFixed(2)}× (orders and bare runs alternate; load ${sequentialLoad[0]?.toFixed(2)} → ${sequentialLoadEnd[0]?.toFixed(2)})`,
    );
    console.log("");
    const partRows: [string, (b: Breakdown) => number | null][] = [
      ["POST → 202 (order API)", (b) => b.orderApi],
      ["202 → job ready (queue consumer)", (b) => b.queueToReady],
      ["ready → leased (runner poll)", (b) => b.readyToLeased],
      ["202 → leased (both)", (b) => b.acceptedToLeased],
      ["leased → runner 'job started'", (b) => b.leasedToStarted],
      ["'job started' → 'job finished' (playbook)", (b) => b.playbook],
      ["'job finished' → finished_at (result)", (b) => b.resultToFinished],
      ["finished_at → active seen (poll)", (b) => b.finishedToSeen],
      ["total 202 → active seen", (b) => b.total],
    ];
    const partSummary = partRows.map(([name, pick]) => ({ name, stats: partStats(parts, pick) }));
    printTable([
      ["where the time of one order goes", "n", "p50 ms", "p95 ms", "mean ms", "max ms"],
      ...partSummary.map(({ name, stats }) => [name, String(stats.n), ms(stats.p50), ms(stats.p95), ms(stats.mean), ms(stats.max)]),
    ]);
    console.log(
      `(D1 polled every ${D1_POLL_MS} ms for the job's ready/leased updated_at; runner times from its log; 'ready' caught for ${partSummary[1]?.stats.n ?? 0} of ${parts.length})`,
    );
    console.log("");
    printTable([
      [
        "throughput",
        "orders",
        "in flight",
        "runner slots",
        "place s",
        "first order → last active s",
        "jobs/min",
        "D1 created → finished s",
        "jobs/min (D1)",
        "active",
        "failed",
      ],
      [
        "mobile_prepaid",
        String(throughput.orders),
        String(throughput.inFlight),
        String(throughput.runnerConcurrency),
        throughput.placeSeconds.toFixed(1),
        throughput.seconds.toFixed(1),
        throughput.jobsPerMinute.toFixed(1),
        throughput.d1Seconds?.toFixed(1) ?? "-",
        throughput.d1JobsPerMinute?.toFixed(1) ?? "-",
        String(throughput.completed),
        String(throughput.failed),
      ],
    ]);
    console.log("");
    printTable([
      ["under concurrency 4", "n", "p50 ms", "p95 ms", "mean ms", "max ms"],
      ...(
        [
          ["order POST → 202", throughput.orderApi],
          ["202 → activated_at", throughput.orderToActive],
          ["playbook (runner 'job finished' duration)", throughput.playbook],
        ] as const
      ).map(([name, s]) => [name, String(s.n), ms(s.p50), ms(s.p95), ms(s.mean), ms(s.max)]),
    ]);
    console.log(
      `load average ${throughput.loadAverageAtStart[0]?.toFixed(2)} at start, ${throughput.loadAverageAtEnd[0]?.toFixed(2)} at end of the throughput run`,
    );
    console.log("");
    printTable([["check", "value", "expected", "result"], ...checks.map((c) => [c.name, c.value, c.expected, verdict(c.pass)])]);
    if (failedBare.length > 0) console.log(`bare runs failed: ${failedBare.length}, e.g. ${failedBare[0]?.error}`);
    const problems = [...runner1.problems, ...runner4Problems];
    if (problems.length > 0) console.log(`runner warnings/errors (${problems.length}), e.g.: ${problems.slice(0, 3).join(" | ")}`);
    console.log("");
    const targets = [
      {
        name: "order → active p50 / bare ansible-playbook p50",
        value: `${ratio.p50.toFixed(2)}× (${ms(orderStats.p50)} / ${ms(bareStats.p50)} ms)`,
        limit: `<= ${TARGETS.overhead}×`,
        pass: ratio.p50 <= TARGETS.overhead,
      },
      {
        name: "order → active p95 / bare ansible-playbook p95",
        value: `${ratio.p95.toFixed(2)}× (${ms(orderStats.p95)} / ${ms(bareStats.p95)} ms)`,
        limit: `<= ${TARGETS.overhead}×`,
        pass: ratio.p95 <= TARGETS.overhead,
      },
      {
        name: "all orders active, own SIM/number/account",
        value: `${checks.filter((c) => c.pass).length}/${checks.length} checks`,
        limit: "all",
        pass: allActive && sequential.every((o) => o.status === "active"),
      },
      {
        name: `jobs per minute, runner concurrency ${THROUGHPUT_CONCURRENCY} (reported)`,
        value: throughput.jobsPerMinute.toFixed(1),
        limit: "-",
        pass: throughput.completed === THROUGHPUT_ORDERS,
      },
    ];
    printTable([["target", "value", "limit", "result"], ...targets.map((t) => [t.name, t.value, t.limit, verdict(t.pass)])]);
    const machine = machineReport(loadAtStart);

    const result = {
      benchmark: "provisioning",
      startedAt: startedAt.toISOString(),
      machine,
      method: {
        playbook: PLAYBOOK,
        orders: ORDERS,
        bareRuns: BARE_RUNS,
        plainRuns: PLAIN_RUNS,
        warmup: WARMUP,
        alternating: "order i, then bare run i",
        servicePollMs: SERVICE_POLL_MS,
        d1PollMs: D1_POLL_MS,
        runnerPollMs: RUNNER_POLL_MS,
        queueBatchTimeoutS: 1,
        throughputOrders: THROUGHPUT_ORDERS,
        throughputInFlight: THROUGHPUT_IN_FLIGHT,
        throughputRunnerConcurrency: THROUGHPUT_CONCURRENCY,
        stock: STOCK,
        customers: CUSTOMERS,
        includedBalances: INCLUDED_BALANCES,
        actionPlan: charging.account.action_plans[0] ?? null,
      },
      sequential: {
        orderToActive: orderStats,
        bare: bareStats,
        plain: plainStats,
        ratio,
        loadAverage: { start: sequentialLoad, end: sequentialLoadEnd },
        parts: partSummary,
        orders: parts,
        bareRuns: [...bare, ...plain],
      },
      throughput,
      checks,
      targets,
      runnerProblems: problems.slice(0, 20),
    };
    console.log(`results: ${writeResults("provisioning", result, startedAt)}`);
    return result;
  });
}
