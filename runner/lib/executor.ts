import { readdirSync, readFileSync } from "node:fs";
import { type ChargingUnit, toCgrates } from "../../worker/lib/charging-units";
import type { AnsibleEvent, runPlaybook as RunPlaybookFn } from "./ansible";
import { runPlaybook } from "./ansible";
import type { JobEvent, JobResult, LeasedMessage } from "./api";
import { type CbcJob, CbcRefused, runCbcJob } from "./cbc";
import { type CgratesCdr, type CgratesClient, createCgratesClient } from "./cgrates";
import { type AccountReport, cdrsOf, readAccountReport } from "./charging-report";

/**
 * What the runner does for one leased job: exactly what the job names. Its playbook
 * (`body.playbook`, run with `runPlaybook`), a monetary top-up's AddBalance, a read of the service's
 * balances and usage (`sync_balance`), or nothing (a lifecycle job of a product without a playbook
 * has nothing to change on the network). After a job that changed an account, the runner reads the
 * accounts the job lists in `charging.report` back (balances, and rating since the BSS last looked)
 * and returns them as `outputs.charging_report`, so the worker's balance agrees with CGRateS.
 */

/** What the loop hands an executor besides the message. */
export type ExecutionContext = {
  /** Aborted when the runner gives up on the job (shutdown after the grace period): stop the work. */
  signal: AbortSignal;
  /** Reports one task event (batched to the worker by the loop). */
  onEvent: (event: JobEvent) => void;
};

/** Runs one job to its outcome. A throw becomes a failed result with the error's message. */
export type JobExecutor = (message: LeasedMessage, context: ExecutionContext) => Promise<JobResult>;

/** The runner's own CGRateS settings, added to every playbook's extra vars as `cgrates`. */
export type CgratesSettings = { url: string; tenant: string; user?: string; password?: string };

/** Options of {@link createJobExecutor}. */
export type JobExecutorOptions = {
  /** Directory of the playbooks (with `roles/`, `templates/`, `callback_plugins/`). */
  playbooksDir: string;
  /** A playbook run is killed after this long. */
  jobTimeoutMs: number;
  /** CGRateS endpoint and credentials (null when not configured: jobs needing it fail). */
  cgrates: CgratesSettings | null;
  /** Replaces `runPlaybook` (tests). */
  runPlaybook?: typeof RunPlaybookFn;
  /** Replaces the CGRateS client factory (tests). */
  cgratesClient?: (settings: CgratesSettings) => CgratesClient;
  /** Replaces the kill of running playbooks on abort (tests). */
  killPlaybooks?: () => void;
  /** Where playbook vars files are written (see runPlaybook's `workDir`). */
  workDir?: string;
  /** The cell broadcast centre's ECBE base URL (`CBC_URL`); broadcast jobs fail without it. */
  cbcUrl?: string | null;
  /** The CBC's VTY (`CBC_VTY`, host:port), where per-cell results are read; status jobs fail without it. */
  cbcVty?: string | null;
  /** Replaces fetch for the CBC (tests). */
  fetch?: typeof fetch;
  now?: () => Date;
};

/** One row of a `sync_balance` job's `outputs.usage`. */
export type UsageRow = { day: string; unit: "data" | "voice" | "sms" | "monetary"; amount: number };

const MAX_TASK = 300;
const MAX_MESSAGE = 4000;
const USAGE_DAYS = 30;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The worker's event for an Ansible event, or null for those not reported (outputs may hold secrets). */
export function ansibleToJobEvent(event: AnsibleEvent, at: string = new Date().toISOString()): JobEvent | null {
  switch (event.type) {
    case "task": {
      const task = clip(event.task.trim() || "(unnamed task)", MAX_TASK);
      if (event.status === "started") return { at, task, status: "started" };
      const message = event.ignored ? `${event.message} (ignored)`.trim() : event.message;
      return { at, task, status: event.status, message: clip(message, MAX_MESSAGE), duration_ms: Math.max(0, Math.round(event.duration_ms)) };
    }
    case "rescue":
      return {
        at,
        task: clip(event.rescue_task?.trim() || event.task.trim() || "rescue", MAX_TASK),
        status: "rescued",
        message: clip(`rescue after: ${event.task}`, MAX_MESSAGE),
      };
    case "stats":
      return {
        at,
        task: "Play recap",
        status: "info",
        message: `ok=${event.ok} changed=${event.changed} failed=${event.failed} rescued=${event.rescued} skipped=${event.skipped ?? 0} unreachable=${event.unreachable ?? 0}`,
      };
    case "outputs":
      return null;
  }
}

const GO_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Nanoseconds of a CGRateS usage: a number (nanoseconds, or units for data/SMS), a numeric string,
 * or a Go duration string (`1m30s`, `1.5h`, `250ms`). Null when unreadable.
 */
export function parseUsage(usage: unknown): number | null {
  if (typeof usage === "number") return Number.isFinite(usage) ? usage : null;
  if (typeof usage !== "string") return null;
  const text = usage.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const match = /^(-?)((?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!match) return null;
  let total = 0;
  for (const part of (match[2] ?? "").matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (GO_UNITS[part[2] ?? ""] ?? 0);
  }
  return match[1] === "-" ? -total : total;
}

const TOR_UNITS: Record<string, "data" | "voice" | "sms"> = { "*data": "data", "*voice": "voice", "*sms": "sms" };
const ZERO_YEAR = "0001-";

function dayOf(time: unknown): string | null {
  if (typeof time !== "string" || time.length === 0 || time.startsWith(ZERO_YEAR)) return null;
  const t = Date.parse(time);
  return Number.isNaN(t) ? null : new Date(t).toISOString().slice(0, 10);
}

/** Minor units per major unit of a currency (EUR 100, JPY 1, BHD 1000), from Node's ICU; 100 if unknown. */
export function minorPerMajor(currency: unknown): number {
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) return 100;
  try {
    return 10 ** (new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2);
  } catch {
    return 100;
  }
}

/**
 * A CGRateS cost (a decimal number of major units, as JSON gives it) in minor units: read as its
 * decimal text to nine places, then scaled in integers and rounded half-even — the float is only
 * the wire's, never computed with. Null for anything that is not a finite non-negative number.
 */
export function costToMinor(cost: unknown, factor: number): number | null {
  if (typeof cost !== "number" || !Number.isFinite(cost) || cost < 0) return null;
  const [whole = "0", fraction = ""] = cost.toFixed(9).split(".");
  const scaled = BigInt(whole + fraction.padEnd(9, "0")) * BigInt(factor);
  const unit = 1_000_000_000n;
  let q = scaled / unit;
  const r = scaled % unit;
  if (r * 2n > unit || (r * 2n === unit && q % 2n === 1n)) q += 1n;
  return Number(q);
}

/**
 * CDR usage per UTC day (of the setup time, else the answer time) and unit: `*data` → data (bytes),
 * `*voice` → voice (seconds, from nanoseconds), `*sms` → sms (count); and what CGRateS charged for
 * them (`Cost`) → monetary, in minor units (`factor` per major unit: the bill run charges postpaid
 * usage from it, never re-rating). Other ToRs are left out. Sorted by day, then unit.
 */
export function aggregateUsage(cdrs: CgratesCdr[], factor = 100): UsageRow[] {
  const totals = new Map<string, { day: string; unit: "data" | "voice" | "sms" | "monetary"; raw: number }>();
  const add = (day: string, unit: "data" | "voice" | "sms" | "monetary", raw: number) => {
    const key = `${day}|${unit}`;
    const row = totals.get(key) ?? { day, unit, raw: 0 };
    row.raw += raw;
    totals.set(key, row);
  };
  for (const cdr of cdrs) {
    const unit = TOR_UNITS[cdr.ToR];
    const day = dayOf(cdr.SetupTime) ?? dayOf(cdr.AnswerTime);
    const raw = parseUsage(cdr.Usage);
    if (!unit || !day || raw === null || raw <= 0) continue;
    add(day, unit, raw);
    const cost = costToMinor(cdr.Cost, factor);
    if (cost) add(day, "monetary", cost);
  }
  return [...totals.values()]
    .map((r) => ({ day: r.day, unit: r.unit, amount: Math.round(r.unit === "voice" ? r.raw / 1e9 : r.raw) }))
    .sort((a, b) => (a.day === b.day ? a.unit.localeCompare(b.unit) : a.day.localeCompare(b.day)));
}

/**
 * Sends SIGTERM (then SIGKILL after 2 s), or SIGKILL at once, to the process groups of our `ansible-playbook` children
 * (`runPlaybook` starts each in its own group). Linux only (reads /proc); elsewhere it does nothing.
 * Returns the pids signalled.
 */
export function killPlaybookProcesses(parentPid: number = process.pid, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      const pgrp = Number(fields[2]);
      const pid = Number(entry);
      if (ppid !== parentPid || pgrp !== pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes("ansible")) continue;
      process.kill(-pid, signal);
      pids.push(pid);
    } catch {
      // the process ended meanwhile
    }
  }
  if (pids.length > 0 && signal === "SIGTERM") {
    setTimeout(() => {
      for (const pid of pids) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }, 2_000).unref();
  }
  return pids;
}

/** Creates the executor of real jobs. */
export function createJobExecutor(options: JobExecutorOptions): JobExecutor {
  const play = options.runPlaybook ?? runPlaybook;
  const now = options.now ?? (() => new Date());
  const cgratesClient =
    options.cgratesClient ??
    ((s: CgratesSettings) => createCgratesClient({ url: s.url, tenant: s.tenant, user: s.user || undefined, password: s.password || undefined }));
  const killPlaybooks = options.killPlaybooks ?? (() => void killPlaybookProcesses());

  async function playbookJob(message: LeasedMessage, playbook: string, context: ExecutionContext): Promise<JobResult> {
    const extra = message.body.extra_vars;
    const job = typeof extra.job === "object" && extra.job !== null ? (extra.job as Record<string, unknown>) : {};
    const vars: Record<string, unknown> = {
      ...extra,
      job: { id: message.body.job_id, type: message.body.type, ...job, attempt: message.attempts },
      cgrates: options.cgrates
        ? { url: options.cgrates.url, tenant: options.cgrates.tenant, user: options.cgrates.user ?? "", password: options.cgrates.password ?? "" }
        : null,
    };
    const onAbort = () => killPlaybooks();
    context.signal.addEventListener("abort", onAbort, { once: true });
    try {
      const run = await play({
        playbook,
        vars,
        playbooksDir: options.playbooksDir,
        timeoutMs: options.jobTimeoutMs,
        workDir: options.workDir,
        check: message.body.check === true,
        onEvent: (event) => {
          const e = ansibleToJobEvent(event, now().toISOString());
          if (e) context.onEvent(e);
        },
      });
      if (run.ok) return { status: "succeeded", outputs: run.outputs, error: null };
      return {
        status: "failed",
        outputs: {},
        error: {
          task: run.failedTask ? clip(run.failedTask, MAX_TASK) : null,
          message: clip(run.error ?? `ansible-playbook exited with code ${run.exitCode}`, MAX_MESSAGE),
        },
      };
    } finally {
      context.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Runs one step of a job done by the runner itself, as a started/ok|failed event pair. */
  async function step<T>(context: ExecutionContext, task: string, work: () => Promise<T>, message?: (value: T) => string): Promise<T> {
    const started = Date.now();
    context.onEvent({ at: now().toISOString(), task, status: "started" });
    try {
      const value = await work();
      context.onEvent({ at: now().toISOString(), task, status: "ok", duration_ms: Date.now() - started, message: message?.(value) ?? null });
      return value;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      context.onEvent({ at: now().toISOString(), task, status: "failed", message: clip(text, MAX_MESSAGE), duration_ms: Date.now() - started });
      // A refusal stays one, so the job fails instead of being retried.
      if (error instanceof CbcRefused) throw Object.assign(error, { task });
      throw Object.assign(new Error(text), { task });
    }
  }

  const failedResult = (error: unknown): JobResult => ({
    status: "failed",
    outputs: {},
    error: {
      task: error instanceof Error && "task" in error && typeof error.task === "string" ? error.task : null,
      message: clip(error instanceof Error ? error.message : String(error), MAX_MESSAGE),
    },
  });

  function client(): CgratesClient {
    if (!options.cgrates) throw new Error("CGRateS is not configured on this runner (CGRATES_URL)");
    return cgratesClient(options.cgrates);
  }

  /** Reads back every account the job lists (`charging.report`), after the job succeeded. */
  async function report(message: LeasedMessage, context: ExecutionContext): Promise<{ read_at: string; accounts: AccountReport[] } | null> {
    const wanted = chargingOf(message).report;
    if (!Array.isArray(wanted) || wanted.length === 0 || !options.cgrates) return null;
    const cg = client();
    const accounts: AccountReport[] = [];
    for (const entry of wanted as { account?: unknown; since?: unknown }[]) {
      if (typeof entry.account !== "string") continue;
      const account = entry.account;
      const since = typeof entry.since === "string" ? entry.since : null;
      accounts.push(
        await step(
          context,
          `Read back CGRateS account ${account}`,
          () => readAccountReport(cg, options.cgrates?.tenant ?? "", account, since, now),
          (r) =>
            r.exists ? `${r.balances.length} balances, ${r.cdrs} rated CDRs and ${r.renewals.length} renewals since ${r.since ?? "the start"}` : "no account",
        ),
      );
    }
    return { read_at: now().toISOString(), accounts };
  }

  async function syncBalance(message: LeasedMessage, context: ExecutionContext): Promise<JobResult> {
    const account = message.body.service_id;
    if (!account) throw new Error("a sync_balance job needs a service");
    try {
      const cg = client();
      const found = await step(context, "Read the CGRateS account", () => cg.getAccount({ Account: account }));
      if (!found) return { status: "failed", outputs: {}, error: { task: "Read the CGRateS account", message: `CGRateS has no account ${account}` } };
      const since = new Date(now().getTime() - USAGE_DAYS * 86_400_000).toISOString();
      const cdrs = await step(context, "Read the CDRs of the last 30 days", () =>
        cdrsOf(cg, options.cgrates?.tenant ?? "", account, ["*default"], since, now().toISOString()),
      );
      const product = message.body.extra_vars.product as { currency?: unknown } | null | undefined;
      const usage = aggregateUsage(cdrs, minorPerMajor(product?.currency));
      context.onEvent({ at: now().toISOString(), task: "Aggregate usage", status: "info", message: `${cdrs.length} CDRs, ${usage.length} day/unit rows` });
      return { status: "succeeded", outputs: { balances: found.BalanceMap ?? {}, usage }, error: null };
    } catch (error) {
      return failedResult(error);
    }
  }

  /**
   * A monetary top-up: each credit is converted to CGRateS units by the one conversion module and
   * added with the top-up key as its balance id, skipped when the account already holds it — so a
   * re-run after a crash never credits twice.
   */
  async function topUpDirect(message: LeasedMessage, context: ExecutionContext): Promise<JobResult> {
    const charging = chargingOf(message);
    const account = typeof charging.account === "string" ? charging.account : message.body.service_id;
    if (!account) throw new Error("a topup job needs a service");
    const currency = typeof charging.currency === "string" ? charging.currency : "";
    const credits = Array.isArray(charging.credits) ? (charging.credits as { id?: unknown; unit?: unknown; amount?: unknown; validity_days?: unknown }[]) : [];
    try {
      const cg = client();
      const existing = await step(context, "Read the CGRateS account", () => cg.getAccount({ Account: account }));
      if (!existing) throw Object.assign(new Error(`CGRateS account ${account} does not exist`), { task: "Read the CGRateS account" });
      const held = new Set(Object.values(existing.BalanceMap ?? {}).flatMap((list) => (list ?? []).map((b) => b.ID)));
      for (const [i, credit] of credits.entries()) {
        if (typeof credit.id !== "string" || typeof credit.amount !== "number" || typeof credit.unit !== "string")
          throw new Error(`credit ${i} has no id, unit or amount`);
        const { type, value } = toCgrates(credit.unit as ChargingUnit, credit.amount, currency);
        const id = credit.id;
        const days = typeof credit.validity_days === "number" ? credit.validity_days : null;
        await step(
          context,
          `Add balance ${id}`,
          async () => {
            if (held.has(id)) return false;
            await cg.addBalance({
              Account: account,
              BalanceType: type,
              Value: value,
              Balance: { ID: id, ExpiryTime: days === null ? "*unlimited" : `+${days * 24}h` },
            });
            return true;
          },
          (added) => (added ? `${type} ${value} added` : "already on the account (a repeat of this job)"),
        );
      }
      return { status: "succeeded", outputs: {}, error: null };
    } catch (error) {
      return failedResult(error);
    }
  }

  /** A cell broadcast job: the ECBE requests the worker prepared, sent to the CBC. */
  async function broadcastJob(message: LeasedMessage, context: ExecutionContext): Promise<JobResult> {
    const vars = (message.body.extra_vars.broadcast ?? {}) as CbcJob;
    try {
      // A status job only reads the VTY: it needs no CBC_URL.
      if (!options.cbcUrl && vars.action !== "status")
        throw Object.assign(new Error("the cell broadcast centre is not configured on this runner (CBC_URL)"), { task: "CBC" });
      const results = await runCbcJob(options.cbcUrl ?? "", vars, (task, work, describe) => step(context, task, work, describe), {
        fetch: options.fetch ?? fetch,
        vtyAddress: options.cbcVty ?? null,
      });
      return { status: "succeeded", outputs: { broadcast: { action: vars.action, results } }, error: null };
    } catch (error) {
      // A refusal is final (the job fails with the CBC's words); no answer or a 5xx is retried.
      if (error instanceof CbcRefused || (error instanceof Error && (error as { task?: string }).task === "CBC")) return failedResult(error);
      throw error;
    }
  }

  async function run(message: LeasedMessage, context: ExecutionContext): Promise<JobResult> {
    const { playbook, type } = message.body;
    if (type === "broadcast") return broadcastJob(message, context);
    if (type === "sync_balance") return syncBalance(message, context);
    if (playbook) return playbookJob(message, playbook, context);
    if (type === "topup") return topUpDirect(message, context);
    if (type === "suspend" || type === "resume" || type === "deprovision") {
      context.onEvent({ at: now().toISOString(), task: "No playbook", status: "info", message: `nothing to do on the network for ${type}` });
      return { status: "succeeded", outputs: {}, error: null };
    }
    throw new Error(`a ${type} job needs a playbook and this one has none`);
  }

  return async (message, context) => {
    const result = await run(message, context);
    if (result.status !== "succeeded" || message.body.check === true) return result;
    try {
      const charging = await report(message, context);
      return charging ? { ...result, outputs: { ...result.outputs, charging_report: charging } } : result;
    } catch (error) {
      // The job's work is done and must not be undone for a failed read: the worker settles the job
      // without it, and the next usage sync reads the account.
      return { ...result, outputs: { ...result.outputs, charging_report_error: clip(error instanceof Error ? error.message : String(error), MAX_MESSAGE) } };
    }
  };
}

/** The job's `charging` variables (ready values computed by the worker). */
function chargingOf(message: LeasedMessage): Record<string, unknown> {
  const charging = message.body.extra_vars.charging;
  return typeof charging === "object" && charging !== null ? (charging as Record<string, unknown>) : {};
}
