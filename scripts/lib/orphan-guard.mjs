#!/usr/bin/env node
// Runs a command so that it cannot outlive whoever started this guard.
//
//   node scripts/lib/orphan-guard.mjs <grace-ms> <command> [args…]
//
// The command runs in a process group of its own (so everything it starts can be stopped
// together). The guard watches its stdin, a pipe from its parent: when the parent goes away —
// even by SIGKILL, or a closed terminal — the pipe closes, and the guard sends SIGTERM to the
// whole group, then SIGKILL after <grace-ms>. SIGTERM/SIGINT sent to the guard are passed on the
// same way. The guard exits with the command's status.
import { spawn } from "node:child_process";

const [graceText, command, ...args] = process.argv.slice(2);
const grace = Number(graceText);
if (!command || !Number.isFinite(grace)) {
  console.error("usage: orphan-guard.mjs <grace-ms> <command> [args…]");
  process.exit(2);
}
const child = spawn(command, args, { detached: true, stdio: ["ignore", "inherit", "inherit"] });
let stopping = false;
function stop(signal) {
  if (stopping || child.pid === undefined) return;
  stopping = true;
  try {
    process.kill(-child.pid, signal);
  } catch {
    return;
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }, grace).unref();
}
process.stdin.on("end", () => stop("SIGTERM"));
process.stdin.on("error", () => stop("SIGTERM"));
process.stdin.resume();
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGHUP", () => stop("SIGTERM"));
child.on("exit", (code, signal) => {
  // Whatever the command started and left behind goes with it.
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  } catch {}
  process.exit(code ?? (signal ? 1 : 0));
});
child.on("error", (error) => {
  console.error(`orphan-guard: cannot run ${command}: ${error.message}`);
  process.exit(127);
});
