import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { applyMigrations, type LocalWorker, localVars, prepareAssets, seedDemo, startWorker } from "../../scripts/lib/local";
import { startSimulators } from "../../simulators/index";
import type { RunningSimulator } from "../../simulators/lib/server";

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export type LocalSystem = {
  url: string;
  worker: LocalWorker;
  simulators: RunningSimulator[];
  /** The worker's local state (D1, DO, queues under `v3/`); removed by `stop()`. */
  stateDir: string;
  /** The worker's variables (simulator endpoints, RUNNER_API_KEY, …). */
  vars: Record<string, string>;
  stop: () => Promise<void>;
};

/**
 * The demo seed (resumable), tried again when wrangler dev answers 503 "Your worker restarted
 * mid-request": it rebuilds and restarts the worker whenever a source file changes.
 */
async function seedWithRetries(url: string, secret: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await seedDemo(url, secret);
      return;
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("HTTP 503")) throw error;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

/** The system as `npm start` runs it, on fresh state and free ports, for tests. */
export async function startLocalSystem(): Promise<LocalSystem> {
  const stateDir = mkdtempSync(join(tmpdir(), "obss-e2e-"));
  prepareAssets();
  applyMigrations(stateDir);
  const env = {
    ...process.env,
    GEOCODING_API_BASE: `http://127.0.0.1:${await freePort()}`,
    MAILJET_API_BASE: `http://127.0.0.1:${await freePort()}`,
    STRIPE_API_BASE: `http://127.0.0.1:${await freePort()}`,
    CGRATES_URL: `http://127.0.0.1:${await freePort()}/jsonrpc`,
    // Every simulator on a free port, so the tests run beside `npm start` (which holds the defaults).
    SMS_GATEWAY_URL: `http://127.0.0.1:${await freePort()}`,
    WEBHOOK_RECEIVER_URL: `http://127.0.0.1:${await freePort()}`,
    CBC_URL: `http://127.0.0.1:${await freePort()}`,
    // The CBC simulator's VTY (host:port, not a worker variable: only the runner reads it).
    CBC_VTY: `127.0.0.1:${await freePort()}`,
  };
  const vars = localVars(stateDir, env);
  const simulators = await startSimulators({ ...vars, WEBHOOK_RECEIVER_URL: env.WEBHOOK_RECEIVER_URL, CBC_VTY: env.CBC_VTY });
  const worker = await startWorker({ port: await freePort(), stateDir, vars });
  try {
    await seedWithRetries(worker.url, vars.AUTH_SECRET ?? "");
  } catch (error) {
    // Leave no worker or simulator behind (the worker runs in its own process group).
    await worker.stop();
    await Promise.all(simulators.map((s) => s.close()));
    throw error;
  }
  return {
    url: worker.url,
    worker,
    simulators,
    stateDir,
    vars,
    stop: async () => {
      await worker.stop();
      await Promise.all(simulators.map((s) => s.close()));
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with the flags this offline machine needs (TOOLCHAIN.md). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/lib/chromium/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}
