import { spawnSync } from "node:child_process";

/** Shared by the runner's tests. */

// The real ansible-playbook is part of the system (npm run setup installs ansible-core): its absence fails, never skips.
const hasAnsible = spawnSync(process.env.ANSIBLE_PLAYBOOK || "ansible-playbook", ["--version"], { stdio: "ignore" }).status === 0;

/** Fails (never skips) when ansible-playbook is not installed. */
export function requireAnsible(): void {
  if (!hasAnsible) throw new Error("ansible-playbook is not installed: run npm run setup (it installs ansible-core)");
}
