/**
 * The on-prem runner: leases provisioning jobs from the worker's runner API, runs their playbooks
 * (or reads CGRateS for `sync_balance`), streams events and reports results. One JSON log line per
 * event on stdout. `npm run runner -- --help` lists the options; SIGTERM/SIGINT stop it gracefully.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createRunnerApi } from "./lib/api";
import { parseRunnerConfig, USAGE } from "./lib/config";
import { createJobExecutor } from "./lib/executor";
import { createLogger, errorMessage } from "./lib/log";
import { createRunnerLoop } from "./lib/loop";
import { openCompletedRecord } from "./lib/record";

const parsed = parseRunnerConfig(process.argv.slice(2), process.env);
if ("help" in parsed) {
  console.log(USAGE);
  process.exit(0);
}
if ("error" in parsed) {
  console.error(`open-bss-runner: cannot start: ${parsed.error}\n\n${USAGE}`);
  process.exit(2);
}
const config = parsed.config;
const logger = createLogger({ minLevel: config.logLevel });

if (!existsSync(config.playbooksDir)) {
  logger.error("cannot start: the playbooks directory does not exist", { playbooks: config.playbooksDir });
  process.exit(2);
}
let record: ReturnType<typeof openCompletedRecord>;
try {
  record = openCompletedRecord(config.stateDir);
} catch (error) {
  logger.error("cannot start: the state directory is not usable", { state_dir: config.stateDir, error: errorMessage(error) });
  process.exit(2);
}
// Playbook vars files (they hold the CGRateS credentials) live under the state directory; any left
// by a runner that was killed are removed before the first job.
const workDir = join(config.stateDir, "tmp");
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true, mode: 0o700 });
if (!config.cgrates) logger.warn("CGRATES_URL is not set: playbooks get no CGRateS endpoint and sync_balance jobs fail", {});

const loop = createRunnerLoop({
  api: createRunnerApi({ url: config.url, key: config.key }),
  executor: createJobExecutor({
    playbooksDir: config.playbooksDir,
    jobTimeoutMs: config.jobTimeoutMs,
    cgrates: config.cgrates,
    cbcUrl: config.cbcUrl,
    cbcVty: config.cbcVty,
    workDir,
  }),
  record,
  logger,
  concurrency: config.concurrency,
  visibilityMs: config.visibilityMs,
  once: config.once,
  pollIntervalMs: config.pollMs,
  graceMs: config.graceMs,
  retryBaseS: config.retryBaseS,
});

logger.info("runner starting", {
  url: config.url,
  concurrency: config.concurrency,
  once: config.once,
  playbooks: config.playbooksDir,
  state_dir: config.stateDir,
  visibility_ms: config.visibilityMs,
  job_timeout_ms: config.jobTimeoutMs,
  grace_ms: config.graceMs,
  cgrates_url: config.cgrates?.url ?? null,
  cgrates_tenant: config.cgrates?.tenant ?? null,
  cbc_url: config.cbcUrl,
  cbc_vty: config.cbcVty,
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    logger.info("signal received: shutting down", { signal, running: loop.active });
    loop.stop();
  });
}
process.on("unhandledRejection", (reason) => logger.error("unhandled rejection", { error: errorMessage(reason) }));
process.on("uncaughtException", (error) => logger.error("uncaught exception", { error: errorMessage(error) }));

const code = await loop.run();
process.exit(code);
