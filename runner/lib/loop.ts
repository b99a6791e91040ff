import { type LeasedMessage, type RunnerApi, RunnerApiError } from "./api";
import type { ActiveJob } from "./event-pump";
import type { JobExecutor } from "./executor";
import { type JobContext, newBackoff, runJob } from "./job";
import { errorMessage, type Logger } from "./log";
import type { CompletedRecord } from "./record";
import { shutdown } from "./shutdown";
import { type Backoff, Notifier, sleep } from "./timing";

export { Backoff } from "./timing";

/**
 * The runner's loop: lease jobs up to the free concurrency slots, run each once, stream its events
 * and keep its lease alive, record the outcome locally (fsync'd) and only then report it, then ack.
 *
 * Guarantees:
 * - a job found in the completed record is never executed again: its recorded result is posted
 *   (under the current lease) and acked;
 * - the result is retried (exponential backoff with jitter) until the worker answers it, a 4xx
 *   refuses it, or the runner gives the job up at shutdown — safe because of the record;
 * - a 409 on events or result means the lease is lost: reporting stops and the job is dropped;
 * - the worker unreachable never crashes the loop: pulls back off from 1 s doubling to 60 s;
 * - on {@link RunnerLoop.stop}: no more pulls; running jobs get the grace period, after which they
 *   are aborted (playbooks killed) and given back with `ack.retries` (delay 0).
 */

/** Options of {@link createRunnerLoop}; timings are tunable for tests. */
export type RunnerLoopOptions = {
  api: RunnerApi;
  executor: JobExecutor;
  record: CompletedRecord;
  logger: Logger;
  /** Jobs run at the same time (default 2). */
  concurrency?: number;
  /** Lease length asked for at pull and on every heartbeat (default 120 000 ms). */
  visibilityMs?: number;
  /** Process what is available, then end (default false). */
  once?: boolean;
  /** Pause after a pull that found nothing (default 2 000 ms). */
  pollIntervalMs?: number;
  /** How long running jobs may finish after stop() (default 30 000 ms). */
  graceMs?: number;
  /** First delay (s) before a job that could not reach CGRateS runs again; doubles per attempt, at most 300 s. */
  retryBaseS?: number;
  /** Events are posted at least this often while some are waiting (default 500 ms)… */
  eventFlushMs?: number;
  /** …or as soon as this many are waiting (default 20). */
  eventBatchSize?: number;
  /** Lease heartbeat period (default visibility / 3). */
  heartbeatMs?: number;
  /** Backoff after a failed call to the worker: `initialMs` doubling to `maxMs`, with jitter (default 1 s → 60 s). */
  backoff?: { initialMs: number; maxMs: number };
  /** With `once`, consecutive pull failures before giving up (default 5). */
  onceMaxPullFailures?: number;
  /** Jitter source (default Math.random). */
  random?: () => number;
  now?: () => Date;
};

/** A running loop. */
export type RunnerLoop = {
  /** Runs until stopped (or, with `once`, until nothing is left); resolves with the exit code. */
  run(): Promise<number>;
  /** Starts the graceful shutdown (idempotent). */
  stop(): void;
  /** Jobs being worked on now. */
  readonly active: number;
};

/** The loop's state and resolved settings, shared by its steps. */
type LoopState = {
  ctx: JobContext;
  concurrency: number;
  visibilityMs: number;
  pollIntervalMs: number;
  graceMs: number;
  once: boolean;
  onceMaxPullFailures: number;
  /** Running jobs by lease id. */
  active: Map<string, ActiveJob>;
  stopping: AbortController;
  slotFreed: Notifier;
};

/** Creates the loop; nothing happens until `run()`. */
export function createRunnerLoop(options: RunnerLoopOptions): RunnerLoop {
  const loop = createLoopState(options);
  return {
    run: () => runLoop(loop),
    stop: () => stopLoop(loop),
    get active() {
      return loop.active.size;
    },
  };
}

/** Resolves the options' defaults into the loop's initial state. */
function createLoopState(options: RunnerLoopOptions): LoopState {
  const visibilityMs = options.visibilityMs ?? 120_000;
  return {
    ctx: {
      api: options.api,
      executor: options.executor,
      record: options.record,
      logger: options.logger,
      pump: {
        flushMs: options.eventFlushMs ?? 500,
        batchSize: options.eventBatchSize ?? 20,
        heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(visibilityMs / 3)),
        visibilityMs,
      },
      backoff: { initialMs: options.backoff?.initialMs ?? 1_000, maxMs: options.backoff?.maxMs ?? 60_000 },
      random: options.random ?? Math.random,
      now: options.now ?? (() => new Date()),
      retryBaseS: options.retryBaseS ?? 15,
    },
    concurrency: Math.max(1, options.concurrency ?? 2),
    visibilityMs,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    graceMs: options.graceMs ?? 30_000,
    once: options.once === true,
    onceMaxPullFailures: options.onceMaxPullFailures ?? 5,
    active: new Map(),
    stopping: new AbortController(),
    slotFreed: new Notifier(),
  };
}

/** The loop itself: wait for a free slot, lease jobs, start them, pause; then shut down. */
async function runLoop(loop: LoopState): Promise<number> {
  const { ctx, active, stopping } = loop;
  const pullBackoff = newBackoff(ctx);
  let exitCode = 0;
  ctx.logger.info("runner loop started", { concurrency: loop.concurrency, visibility_ms: loop.visibilityMs, once: loop.once, recorded_jobs: ctx.record.size });
  while (!stopping.signal.aborted) {
    const free = loop.concurrency - active.size;
    if (free <= 0) {
      await slotOrStop(loop);
      continue;
    }
    const messages = await pullJobs(loop, free, pullBackoff);
    if (messages === "give-up") {
      exitCode = 1;
      break;
    }
    if (messages === "retry") continue;
    startJobs(loop, messages);
    if ((await pauseAfterPull(loop, messages.length, free)) === "done") break;
  }
  if (stopping.signal.aborted) ctx.logger.info("stopping: no more pulls", { running: active.size });
  await shutdown(ctx, active, loop.graceMs);
  ctx.logger.info("runner loop stopped", { exit_code: exitCode });
  return exitCode;
}

/** Until a job ends or stop() is called (stop() notifies too). */
function slotOrStop(loop: LoopState): Promise<void> {
  return loop.stopping.signal.aborted ? Promise.resolve() : loop.slotFreed.wait();
}

/** Leases up to `free` jobs; on failure backs off and answers "retry", or "give-up" once `once` has failed too often. */
async function pullJobs(loop: LoopState, free: number, pullBackoff: Backoff): Promise<LeasedMessage[] | "retry" | "give-up"> {
  const { api, logger } = loop.ctx;
  try {
    const messages = await api.pull(Math.min(free, 10), loop.visibilityMs);
    if (pullBackoff.failures > 0) logger.info("worker reachable again", {});
    pullBackoff.reset();
    return messages;
  } catch (error) {
    const delay = pullBackoff.next();
    logger.warn("pull failed, backing off", {
      error: errorMessage(error),
      status: error instanceof RunnerApiError ? error.status : undefined,
      retry_in_ms: delay,
    });
    if (loop.once && pullBackoff.failures >= loop.onceMaxPullFailures) {
      logger.error("giving up: the worker could not be reached", { failures: pullBackoff.failures });
      return "give-up";
    }
    await sleep(delay, loop.stopping.signal);
    return "retry";
  }
}

/** Starts the pulled jobs that are not already running. */
function startJobs(loop: LoopState, messages: LeasedMessage[]): void {
  for (const message of messages) {
    if (loop.active.has(message.lease_id)) continue;
    startJob(loop, message);
  }
}

/** Runs one job in the background; its slot is freed (and the loop woken) when it ends. */
function startJob(loop: LoopState, message: LeasedMessage): void {
  const job: ActiveJob = { message, abort: new AbortController(), abandoned: false, leaseLost: false, done: Promise.resolve() };
  job.done = runJob(loop.ctx, job)
    .catch((error) => loop.ctx.logger.error("job handling failed", { job_id: message.id, error: errorMessage(error) }))
    .finally(() => {
      loop.active.delete(message.lease_id);
      loop.slotFreed.notify();
    });
  loop.active.set(message.lease_id, job);
}

/** Waits before the next pull (none when the batch filled the free slots); "done" when `once` has nothing left. */
async function pauseAfterPull(loop: LoopState, pulled: number, free: number): Promise<"again" | "done"> {
  if (pulled > 0 && pulled >= free) return "again";
  if (loop.once) {
    if (pulled === 0 && loop.active.size === 0) return "done";
    if (pulled === 0) await slotOrStop(loop);
    return "again";
  }
  await sleep(loop.pollIntervalMs, loop.stopping.signal);
  return "again";
}

/** Starts the graceful shutdown: no more pulls (idempotent). */
function stopLoop(loop: LoopState): void {
  if (loop.stopping.signal.aborted) return;
  loop.stopping.abort();
  loop.slotFreed.notify();
}
