/**
 * Shared helpers for the benchmarks: latency statistics, a seeded PRNG, free ports, the local D1 file, machine facts,
 * the stdout table and the JSON result files under bench/results (gitignored); and for the benchmarks that drive the
 * bundled worker over HTTP: keep-alive requests, the seeded administrator's client, a pool of requests in flight and
 * workerd's CPU clock.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { applyMigrations, localVars, ROOT, startBundledWorker } from "../scripts/lib/local";
import { BUILT_IN_ROLES } from "../worker/domain/auth/permissions";
import { newId } from "../worker/lib/ids";
import { hashPassword } from "../worker/lib/password";

export const RESULTS_DIR = join(ROOT, "bench/results");

export type Stats = { n: number; min: number; mean: number; p50: number; p95: number; p99: number; max: number };

/** Nearest-rank percentile of an ascending array (p in 0–100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

/** Summary statistics of a list of durations (ms). */
export function summarize(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** Runs `fn` `iterations` times one after another and returns each duration in ms. */
export async function measure(iterations: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Deterministic PRNG (mulberry32) in [0, 1), so every run generates the same data set. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A TCP port nobody listens on right now (asked from the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("No free port"))));
    });
  });
}

/** The D1 database file miniflare created for the DB binding under a local state folder. */
export function findD1File(stateDir: string): string {
  const dir = join(stateDir, "v3/d1/miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1 || !files[0]) throw new Error(`Expected one D1 database in ${dir}, found: ${files.join(", ") || "none"}`);
  return join(dir, files[0]);
}

/** Facts about the machine that make results comparable between runs. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    totalMemoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** Formats a number of milliseconds for the table. */
export function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "-";
}

/** Prints rows as an aligned text table (first row is the header). */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  const line = (row: readonly string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  const [header, ...body] = rows;
  if (!header) return;
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of body) console.log(line(row));
}

/** Writes a benchmark's results to bench/results/<name>-<ISO timestamp>.json and returns the path. */
export function writeResults(name: string, data: unknown, at = new Date()): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  // Colons are not allowed in file names everywhere, so the timestamp uses dashes.
  const file = join(RESULTS_DIR, `${name}-${at.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** PASS/FAIL label for a target. */
export function verdict(ok: boolean): string {
  return ok ? "PASS" : "FAIL";
}

/** What a benchmark measured against its limit. */
export type Target = { name: string; value: string; limit: string; pass: boolean };

/** Prints the targets as a table, PASS or FAIL each. */
export function printTargets(targets: readonly Target[]): void {
  printTable([["target", "value", "limit", "result"], ...targets.map((t) => [t.name, t.value, t.limit, verdict(t.pass)])]);
}

/** A figure read after a run against the one it must equal. */
export type Check = { name: string; value: string; expected: string; pass: boolean };

/** A count (`SELECT count(*) AS n …`) against the figure it must equal. */
export function countCheck(db: Database.Database, name: string, query: string, expected: number, ...params: unknown[]): Check {
  const row = db.prepare(query).get(...params) as { n: number };
  return { name, value: String(row.n), expected: String(expected), pass: row.n === expected };
}

/** The administrator seeded by `seedAdmin`, whose client signs in with these. */
export const ADMIN_EMAIL = "bench-admin@example.com";
// Passes the password policy (12+ characters, not common, not the email).
export const PASSWORD = "Bench passphrase 2026!";

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };
export type BenchWorker = { url: string; stop: () => Promise<void> };

/**
 * One HTTP request over `agent`, body read in full so the keep-alive socket is free for the next one.
 * A Buffer body is sent as it is (the caller's headers name its content-type), anything else as JSON;
 * both with a content-length. A kept-alive socket the server closed just as it was reused is reset
 * before the request reaches the worker: that one case is sent again on a new socket (Node's
 * documented pattern), nothing else.
 */
export function send(agent: http.Agent, base: URL, method: "GET" | "POST", path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const allHeaders =
    payload === undefined
      ? headers
      : {
          ...(Buffer.isBuffer(payload) ? {} : { "content-type": "application/json" }),
          ...headers,
          "content-length": String(Buffer.byteLength(payload)),
        };
  return new Promise((resolve, reject) => {
    const request = http.request({ host: base.hostname, port: base.port, method, path, agent, headers: allHeaders }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (request.reusedSocket && error.code === "ECONNRESET") send(agent, base, method, path, headers, body).then(resolve, reject);
      else reject(error);
    });
    request.end(payload);
  });
}

/** Sends and insists on one status, so an error page is never taken for a success. */
export async function expect(status: number, what: string, reply: Promise<Reply>): Promise<Reply> {
  const r = await reply;
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} (expected ${status}) ${r.body.slice(0, 500)}`);
  return r;
}

/** CPU time (ms) used so far by a process: user + system, from /proc (Linux). */
export type CpuClock = () => number;

/** Reads utime + stime of /proc/<pid>/stat; the kernel reports them in USER_HZ ticks, 100 per second on Linux. */
function cpuClock(pid: number): CpuClock {
  return () => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
}

/**
 * The workerd process Miniflare started for this benchmark (a child of this process), or null where
 * /proc is not available. workerd runs the worker, its Durable Objects and Miniflare's D1 and queues
 * on one thread, so its CPU time per request is what bounds throughput on a local machine.
 */
export function workerdClock(): CpuClock | null {
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && parent === process.pid) return cpuClock(Number(entry));
    }
  } catch {
    // Not Linux, or a process ended while being read: the figure is simply left out.
  }
  return null;
}

/** workerd CPU ms per request and its share of one core over a measured stretch. */
export function cpuShare(clock: CpuClock | null, cpuAtStart: number | null, requests: number, seconds: number) {
  if (!clock || cpuAtStart === null) return null;
  const used = clock() - cpuAtStart;
  return { msPerRequest: used / requests, coreShare: used / (seconds * 1000) };
}

/**
 * Waits until workerd is idle (at most one clock tick, 10 ms, of CPU in a 200 ms window; 5 s at
 * most): work a run left behind (queue deliveries, write-throughs) is then neither charged to the
 * next measurement nor missing from its own.
 */
export async function settle(clock: CpuClock | null, maxMs = 5_000): Promise<void> {
  if (!clock) return;
  const until = performance.now() + maxMs;
  while (performance.now() < until) {
    const before = clock();
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (clock() - before <= 10) return;
  }
}

/** Runs `fn(0..total-1)` with `concurrency` calls in flight at all times. */
export async function pool(total: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < total) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
}

/** The built-in roles and the bench administrator, inserted with `db` (inside the caller's transaction). */
export function insertAdmin(db: Database.Database, passwordHash: string, now: string): void {
  const role = db.prepare(`INSERT INTO roles (id, name, description, permissions, built_in, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`);
  for (const r of BUILT_IN_ROLES) role.run(r.id, r.name, r.description, JSON.stringify(r.permissions), now, now);
  const userId = newId("user");
  db.prepare(`INSERT INTO users (id, email, name, password_hash, status, created_at, updated_at) VALUES (?, ?, 'Bench Admin', ?, 'active', ?, ?)`).run(
    userId,
    ADMIN_EMAIL,
    passwordHash,
    now,
    now,
  );
  db.prepare(`INSERT INTO user_roles (user_id, role_id) VALUES (?, 'rol_admin')`).run(userId);
}

/** Built-in roles and one administrator, written straight into the D1 file (the admin then creates the rest through the API). */
export async function seedAdmin(file: string, pepper: string): Promise<string> {
  const passwordHash = await hashPassword(PASSWORD, pepper);
  const now = new Date().toISOString();
  const db = new Database(file);
  db.transaction(() => insertAdmin(db, passwordHash, now))();
  // workerd must find the rows in the main file, not in a WAL it does not know about.
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return passwordHash;
}

/** HTTP calls against the worker as the bench administrator; `userAgent` names the benchmark in its sessions. */
export function client(worker: BenchWorker, userAgent: string) {
  const base = new URL(worker.url);
  let token = "";
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${token}` });
  return {
    base,
    auth,
    /** Signs in again: access tokens live 15 minutes, longer than a slow run can take. */
    login: async (agent: http.Agent) => {
      const reply = await expect(
        200,
        "login",
        send(agent, base, "POST", "/api/v1/auth/login", { "user-agent": userAgent }, { email: ADMIN_EMAIL, password: PASSWORD }),
      );
      token = (JSON.parse(reply.body) as { access_token: string }).access_token;
    },
    get: async (agent: http.Agent, path: string, authenticated = true) =>
      JSON.parse((await expect(200, `GET ${path}`, send(agent, base, "GET", path, authenticated ? auth() : {}))).body) as unknown,
    post: async (agent: http.Agent, path: string, body: unknown, status: number, key?: string) =>
      JSON.parse(
        (await expect(status, `POST ${path}`, send(agent, base, "POST", path, key ? { ...auth(), "idempotency-key": key } : auth(), body))).body,
      ) as Record<string, unknown>,
  };
}

export type Client = ReturnType<typeof client>;

/** What a benchmark run gets from `benchState`: its fresh local state, and the worker once started. */
export type BenchState = {
  startedAt: Date;
  stateDir: string;
  /** The worker's variables (secrets included), as `npm start` would give them. */
  vars: Record<string, string>;
  /** The local D1 file (migrations applied, built-in roles and the bench admin seeded). */
  file: string;
  /** The seeded admin's password hash (benchmarks that seed more users reuse it). */
  passwordHash: string;
  /** Keep-alive connections for setup and checks. */
  agent: http.Agent;
  /** Starts the bundled worker on a free port (stopped with the run), with `extra` variables (a simulator's URL). */
  startWorker: (extra?: Record<string, string>) => Promise<BenchWorker>;
  /** Something else to release with the run (a database handle, a simulator, a runner), in the order given. */
  onCleanup: (release: () => void | Promise<void>) => void;
  /** Something to kill synchronously if the process exits before the cleanup ran (child processes). */
  onExit: (kill: () => void) => void;
};

/**
 * Runs one benchmark on a fresh local state in `.tmp/`: migrations applied, the bench admin seeded,
 * the worker started on demand. Whatever ends the run (its end, an error, Ctrl-C) stops the worker
 * and removes the folder (unless `keep`), once.
 */
export async function benchState<T>(name: string, options: { keep?: boolean; sockets: number }, body: (state: BenchState) => Promise<T>): Promise<T> {
  const startedAt = new Date();
  const stateDir = join(ROOT, ".tmp", `bench-${name}-state-${startedAt.toISOString().replace(/[:.]/g, "-")}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.sockets });
  const releases: (() => void | Promise<void>)[] = [];
  const kills: (() => void)[] = [];
  let worker: BenchWorker | undefined;
  const removeState = () => {
    if (!options.keep) rmSync(stateDir, { recursive: true, force: true });
  };
  // A signal and the failing requests it causes both clean up: one shared run, so the worker is not
  // disposed twice and the folder goes even when stopping the worker fails.
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      try {
        for (const release of releases) await release();
        agent.destroy();
        await worker?.stop();
      } finally {
        worker = undefined;
        removeState();
      }
    })());
  const onSignal = () => {
    console.error(`${name}: interrupted, stopping the worker`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  // Once the worker runs, Miniflare's own SIGINT/SIGTERM handler kills workerd and exits at once,
  // before an asynchronous cleanup could finish: the folder is then removed on exit, synchronously.
  const onExit = () => {
    for (const kill of kills) kill();
    removeState();
  };
  process.once("exit", onExit);
  try {
    console.log(`${name}: fresh local D1 in ${stateDir}`);
    applyMigrations(stateDir);
    const vars = localVars(stateDir);
    const file = findD1File(stateDir);
    // The hash must use the pepper the worker gets, or login fails.
    const pepper = vars.PASSWORD_PEPPER;
    if (!pepper) throw new Error("localVars() returned no PASSWORD_PEPPER");
    const passwordHash = await seedAdmin(file, pepper);
    const startWorker = async (extra: Record<string, string> = {}) => {
      worker = await startBundledWorker({ port: await freePort(), stateDir, vars: { ...vars, ...extra } });
      return worker;
    };
    return await body({
      startedAt,
      stateDir,
      vars,
      file,
      passwordHash,
      agent,
      startWorker,
      onCleanup: (release) => releases.push(release),
      onExit: (kill) => kills.push(kill),
    });
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", onExit);
    if (options.keep) console.log(`state kept in ${stateDir}`);
  }
}

/** The machine with the load averages at start and end, printed on one line and returned for the results. */
export function machineReport(loadAtStart: readonly number[]) {
  const machine = { ...machineInfo(), loadAverageAtStart: [...loadAtStart] };
  const loads = (l: readonly number[]) => l.map((v) => v.toFixed(2)).join(" ");
  console.log(`${machine.cpus} CPUs, load average ${loads(loadAtStart)} at start, ${loads(machine.loadAverage)} at end`);
  return machine;
}

/**
 * Starts the worker, opens a client signed in as the bench admin, and reads workerd's CPU clock.
 * Another process competing for the CPUs skews every figure, so the load average at start is kept.
 */
export async function signedInWorker(state: Pick<BenchState, "startWorker" | "agent">, userAgent: string) {
  const loadAtStart = os.loadavg();
  const worker = await state.startWorker();
  const api = client(worker, userAgent);
  const clock = workerdClock();
  console.log(`  worker on ${worker.url}; load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`);
  await api.login(state.agent);
  return { loadAtStart, worker, api, clock };
}

/**
 * A POST sent again while the answer is 409 (the service is busy) or 5xx, up to `attempts` times,
 * 10 ms × attempt apart; `onRetry` counts the repeats.
 */
export async function postRetrying(
  agent: http.Agent,
  api: Client,
  path: string,
  key: string,
  body: unknown,
  attempts: number,
  onRetry: () => void,
): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    const reply = await send(agent, api.base, "POST", path, { ...api.auth(), "idempotency-key": key }, body);
    if ((reply.status !== 409 && reply.status < 500) || attempt >= attempts) return reply;
    onRetry();
    await new Promise((r) => setTimeout(r, 10 * attempt));
  }
}

/** A latency row of the results table: n, mean, p50, p95, p99, max, then the benchmark's own columns. */
export function statsRow(label: string, s: Stats, ...extra: string[]): string[] {
  return [label, String(s.n), ms(s.mean), ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), ...extra];
}
