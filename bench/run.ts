/**
 * Runs the benchmarks: `npm run bench` runs all of them, `npm run bench -- foundation` only the
 * named ones; `--keep` keeps each benchmark's local state folder for inspection.
 */
import { run as auth } from "./auth";
import { run as billing } from "./billing";
import { run as foundation } from "./foundation";
import { run as inventory } from "./inventory";
import { run as portal } from "./portal";
import { run as provisioning } from "./provisioning";
import { run as topups } from "./topups";

type Options = { keep: boolean };

const BENCHMARKS: Record<string, (options: Options) => Promise<unknown>> = { foundation, auth, topups, inventory, provisioning, billing, portal };

const args = process.argv.slice(2);
const options: Options = { keep: args.includes("--keep") };
const names = args.filter((a) => !a.startsWith("--"));
const unknown = names.filter((n) => !Object.hasOwn(BENCHMARKS, n));
if (unknown.length > 0) {
  console.error(`Unknown benchmark: ${unknown.join(", ")}. Available: ${Object.keys(BENCHMARKS).join(", ")}`);
  process.exit(2);
}

for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
  await BENCHMARKS[name]?.(options);
}
