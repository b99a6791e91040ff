import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/local";
import { freePort } from "./local-system";

/**
 * `npm start` as a user runs it: nothing it starts may outlive it, however it ends (Ctrl-C, a killed
 * npm, a closed terminal killing its process group), and a second one on a busy port says so.
 */

let stateDir = "";
let env: NodeJS.ProcessEnv = {};
let port = 0;
const started: ChildProcess[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const listening = (p: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(p, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/** Processes whose command line mentions this test's state directory (wrangler, workerd, the runner). */
function leftovers(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      if (cmdline.includes(stateDir) || environ.includes(`STATE_DIR=${stateDir}`)) found.push(`${entry} ${cmdline.slice(0, 120)}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** `npm start` in a process group of its own (like a terminal's foreground job); resolves once it is serving. */
async function npmStart(): Promise<{ child: ChildProcess; output: string[] }> {
  const child = spawn("npm", ["start"], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
  for (let i = 0; i < 600; i++) {
    if (output.join("").includes("Open BSS is running at")) return { child, output };
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output.join("")}`);
    await sleep(100);
  }
  throw new Error(`npm start did not come up:\n${output.join("").slice(-3000)}`);
}

async function gone(what: string, timeoutMs = 40_000) {
  for (let waited = 0; waited < timeoutMs; waited += 250) {
    if (!(await listening(port)) && leftovers().length === 0) return;
    await sleep(250);
  }
  throw new Error(`${what}: still running after ${timeoutMs} ms (port ${port} ${(await listening(port)) ? "busy" : "free"}):\n${leftovers().join("\n")}`);
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "obss-lifecycle-"));
  port = await freePort();
  env = {
    ...process.env,
    PORT: String(port),
    STATE_DIR: stateDir,
    RUNNER_GRACE_MS: "1000",
    GEOCODING_API_BASE: `http://127.0.0.1:${await freePort()}`,
    MAILJET_API_BASE: `http://127.0.0.1:${await freePort()}`,
    STRIPE_API_BASE: `http://127.0.0.1:${await freePort()}`,
    CGRATES_URL: `http://127.0.0.1:${await freePort()}/jsonrpc`,
    SMS_GATEWAY_URL: `http://127.0.0.1:${await freePort()}`,
    CBC_URL: `http://127.0.0.1:${await freePort()}`,
    CBC_VTY: `127.0.0.1:${await freePort()}`,
  };
});
afterAll(async () => {
  for (const child of started) {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
  await sleep(500);
  rmSync(stateDir, { recursive: true, force: true });
});

describe("npm start's processes end with it", () => {
  it("a killed npm takes the worker, the simulators and the runner with it; npm start then works again on the same port", async () => {
    const first = await npmStart();
    expect(await listening(port)).toBe(true);
    expect(leftovers().length).toBeGreaterThan(2);

    // A second npm start on the same port says so, and leaves the first alone.
    const second = spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    for (const stream of [second.stdout, second.stderr]) stream?.on("data", (chunk: Buffer) => (said += chunk.toString("utf8")));
    const code = await new Promise<number | null>((resolve) => second.once("exit", resolve));
    expect(code).toBe(1);
    expect(said).toContain(`port ${port} is already in use`);
    expect(await listening(port)).toBe(true);

    // SIGKILL to npm alone.
    first.child.kill("SIGKILL");
    await gone("after kill -9 <npm>");

    // Again on the same port, then the whole process group killed (a closed terminal, kill -9 -<pgid>).
    const again = await npmStart();
    expect(await listening(port)).toBe(true);
    if (again.child.pid) process.kill(-again.child.pid, "SIGKILL");
    await gone("after kill -9 -<pgid>");
  }, 180_000);
});
