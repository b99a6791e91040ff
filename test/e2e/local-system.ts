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

export type LocalSystem = { url: string; worker: LocalWorker; simulators: RunningSimulator[]; stop: () => Promise<void> };

/** The system as `npm start` runs it, on fresh state and free ports, for tests. */
export async function startLocalSystem(): Promise<LocalSystem> {
  const stateDir = mkdtempSync(join(tmpdir(), "obss-e2e-"));
  prepareAssets();
  applyMigrations(stateDir);
  const env = {
    ...process.env,
    GEOCODING_API_BASE: `http://127.0.0.1:${await freePort()}`,
    MAILJET_API_BASE: `http://127.0.0.1:${await freePort()}`,
    CGRATES_URL: `http://127.0.0.1:${await freePort()}/jsonrpc`,
  };
  const vars = localVars(stateDir, env);
  const simulators = await startSimulators(vars);
  const worker = await startWorker({ port: await freePort(), stateDir, vars });
  await seedDemo(worker.url, vars.AUTH_SECRET ?? "");
  return {
    url: worker.url,
    worker,
    simulators,
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
