/**
 * Building blocks of the local system, shared by `npm start`, the browser tests and the benchmarks:
 * vendor assets, D1 migrations, the worker under `wrangler dev` (workerd, local D1/DO/Queues) and
 * the demo seed.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
/** Runs a command so that it dies with its parent (scripts/lib/orphan-guard.mjs). */
export const ORPHAN_GUARD = join(ROOT, "scripts/lib/orphan-guard.mjs");

/** Keeps wrangler offline, quiet and non-interactive (see TOOLCHAIN.md). */
export const WRANGLER_ENV = {
  CI: "true",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
};

const VENDOR: [string, string][] = [
  ["node_modules/htmx.org/dist/htmx.min.js", "public/vendor/htmx.min.js"],
  ["node_modules/swagger-ui-dist/swagger-ui-bundle.js", "public/vendor/swagger-ui/swagger-ui-bundle.js"],
  ["node_modules/swagger-ui-dist/swagger-ui.css", "public/vendor/swagger-ui/swagger-ui.css"],
];

/** Copies browser libraries from node_modules into public/vendor (never hand-copied, never from a CDN). */
export function prepareAssets(): void {
  for (const [from, to] of VENDOR) {
    const target = join(ROOT, to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(ROOT, from), target);
  }
}

/** Local secrets, made once per state folder and kept there so sessions survive restarts. */
export function localSecrets(stateDir: string): { AUTH_SECRET: string; PASSWORD_PEPPER: string; ENCRYPTION_KEY: string } {
  const file = join(stateDir, "dev-secrets.json");
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8"));
    if (saved.ENCRYPTION_KEY) return saved;
  }
  mkdirSync(stateDir, { recursive: true });
  const secrets = {
    AUTH_SECRET: randomBytes(32).toString("hex"),
    PASSWORD_PEPPER: randomBytes(16).toString("hex"),
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
  };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

export function applyMigrations(stateDir: string): void {
  const result = spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], {
    cwd: ROOT,
    env: { ...process.env, ...WRANGLER_ENV },
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`D1 migrations failed:\n${result.stdout}\n${result.stderr}`);
}

export type LocalWorker = { url: string; process: ChildProcess; stop: () => Promise<void> };

/** Starts the worker with `wrangler dev --local` in its own process group and waits for /healthz. */
export async function startWorker(opts: { port: number; stateDir: string; vars: Record<string, string>; log?: (line: string) => void }): Promise<LocalWorker> {
  const args = [
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(opts.port),
    "--persist-to",
    opts.stateDir,
    "--show-interactive-dev-session=false",
    "--log-level",
    process.env.WRANGLER_LOG_LEVEL ?? "info",
  ];
  for (const [key, value] of Object.entries(opts.vars)) args.push("--var", `${key}:${value}`);
  // Through the orphan guard: wrangler and its workerd die with this process, even when it is killed.
  // The guard is in a process group of its own, so killing this process's group (a closed terminal,
  // kill -9 -<pgid>) does not take the guard with it before it has stopped wrangler.
  const child = spawn(process.execPath, [ORPHAN_GUARD, "5000", WRANGLER, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...WRANGLER_ENV },
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 200) output.shift();
      opts.log?.(line);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    // The guard stops wrangler's whole process group (SIGKILL after 5 s) and then exits.
    child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output.join("\n")}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return { url, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not become ready:\n${output.join("\n")}`);
}

/** Seeds the demo data through the worker's development endpoint, in resumable chunks. */
export async function seedDemo(url: string, secret: string): Promise<number> {
  let created = 0;
  for (let round = 0; round < 50; round++) {
    const response = await fetch(`${url}/dev/seed`, { method: "POST", headers: { "x-dev-secret": secret } });
    if (!response.ok) throw new Error(`Seeding failed: HTTP ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { created: number; remaining: number };
    created += body.created;
    if (body.remaining === 0) return created;
  }
  throw new Error("Seeding did not finish.");
}

/** The development runner key (printed by `npm start`); set RUNNER_API_KEY to use another. */
export const DEV_RUNNER_KEY = "ocrm_devrunner0_local-development-runner-key-0000000000";

/** Worker variables for a local run: development mode, local secrets and the simulator endpoints. */
export function localVars(stateDir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const secrets = localSecrets(stateDir);
  return {
    APP_ENV: "development",
    AUTH_SECRET: env.AUTH_SECRET || secrets.AUTH_SECRET,
    ENCRYPTION_KEY: env.ENCRYPTION_KEY || secrets.ENCRYPTION_KEY,
    PASSWORD_PEPPER: env.PASSWORD_PEPPER || secrets.PASSWORD_PEPPER,
    SEED_ADMIN_PASSWORD: env.SEED_ADMIN_PASSWORD || "admin-dev-password",
    SEED_STAFF_PASSWORD: env.SEED_STAFF_PASSWORD || "staff-dev-password",
    SEED_CUSTOMER_PASSWORD: env.SEED_CUSTOMER_PASSWORD || "customer-dev-password",
    RUNNER_API_KEY: env.RUNNER_API_KEY || DEV_RUNNER_KEY,
    GEOCODING_API_BASE: env.GEOCODING_API_BASE || "http://127.0.0.1:12113",
    // The simulator accepts any key; a real Google key goes in GEOCODING_API_KEY.
    GEOCODING_API_KEY: env.GEOCODING_API_KEY || "local-simulator-key",
    CGRATES_URL: env.CGRATES_URL || "http://127.0.0.1:2080/jsonrpc",
    STRIPE_API_BASE: env.STRIPE_API_BASE || "http://127.0.0.1:12111",
    // The simulator accepts exactly this key and signs its events with this secret, as Stripe does.
    STRIPE_SECRET_KEY: env.STRIPE_SECRET_KEY || "sk_test_sim_local_development_key",
    STRIPE_WEBHOOK_SECRET: env.STRIPE_WEBHOOK_SECRET || "whsec_sim_local_development_secret",
    MAILJET_API_BASE: env.MAILJET_API_BASE || "http://127.0.0.1:12112",
    // The simulator checks these credentials like Mailjet does.
    MAILJET_API_KEY: env.MAILJET_API_KEY || "sim-key",
    MAILJET_API_SECRET: env.MAILJET_API_SECRET || "sim-secret",
    MAIL_FROM: env.MAIL_FROM || "no-reply@demo-telecom.example",
    SMS_GATEWAY_URL: env.SMS_GATEWAY_URL || "http://127.0.0.1:12114",
    // The CBC simulator (simulators/cbc); a real osmo-cbc listens on its ECBE port (12345 by default).
    CBC_URL: env.CBC_URL || "http://127.0.0.1:12116",
  };
}

/**
 * The worker in workerd through Miniflare directly — the bundle `wrangler deploy` would upload, the
 * bindings of wrangler.toml, the same local state layout as `wrangler dev --persist-to` — without
 * wrangler dev's live-reload proxy, which adds several milliseconds to every request. Benchmarks use
 * it to measure the worker itself.
 */
export async function startBundledWorker(opts: {
  port: number;
  stateDir: string;
  vars: Record<string, string>;
}): Promise<{ url: string; stop: () => Promise<void> }> {
  const outdir = join(opts.stateDir, "bundle");
  const build = spawnSync(WRANGLER, ["deploy", "--dry-run", "--outdir", outdir], { cwd: ROOT, env: { ...process.env, ...WRANGLER_ENV }, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`bundling failed:\n${build.stdout}\n${build.stderr}`);
  const { Miniflare } = await import("miniflare");
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
  const mf = new Miniflare({
    ...workerOptions,
    modules: true,
    scriptPath: join(outdir, "index.js"),
    host: "127.0.0.1",
    port: opts.port,
    d1Persist: join(opts.stateDir, "v3/d1"),
    durableObjectsPersist: join(opts.stateDir, "v3/do"),
    queuesPersist: join(opts.stateDir, "v3/queues"),
    bindings: { ...workerOptions.bindings, ...opts.vars },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return { url, stop: () => mf.dispose() };
}
