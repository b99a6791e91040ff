import { type JobEvent, type JobResult, type LeasedMessage, type RunnerApi, RunnerApiError } from "./api";
import type { JobExecutor } from "./executor";
import { errorMessage, type Logger } from "./log";
import type { CompletedRecord } from "./record";

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

type ActiveJob = {
  message: LeasedMessage;
  abort: AbortController;
  /** Given up at shutdown: its outcome is not reported. */
  abandoned: boolean;
  leaseLost: boolean;
  done: Promise<void>;
};

const MAX_EVENTS_PER_POST = 500;
const MAX_QUEUED_EVENTS = 5_000;

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Exponential backoff with jitter: each delay is between half and all of `initial × 2^n`, capped at `max`. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay (and counts one more failure). */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(base / 2 + (this.random() * base) / 2);
  }

  /** Back to the initial delay after a success. */
  reset(): void {
    this.attempt = 0;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.attempt;
  }
}

/**
 * Sends a job's events in batches and heartbeats its lease: a post at most every `flushMs` while
 * events wait, at once when `batchSize` wait, and every `heartbeatMs` even with none; each post
 * extends the lease by the visibility. Posts are serialised, so events keep their order; events of
 * a post that failed on the network are kept for the next one.
 */
class EventPump {
  private queue: JobEvent[] = [];
  private chain: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  /** A post is queued and has not taken its events yet. */
  private scheduled = false;
  private networkFailures = 0;
  /** Failed posts in a row: the next one waits (flush period doubling, up to the heartbeat). */
  private failStreak = 0;
  /** Events per post; halved when the worker fails a post with a 5xx (a batch too big for it). */
  private limit: number;

  constructor(
    private readonly api: RunnerApi,
    private readonly job: ActiveJob,
    private readonly opts: { flushMs: number; batchSize: number; heartbeatMs: number; visibilityMs: number },
    private readonly logger: Logger,
  ) {
    this.limit = opts.batchSize;
    this.heartbeat = setInterval(() => void this.flush(true), opts.heartbeatMs);
  }

  /** When the next post should go: now, or later after failures. */
  private schedule(): void {
    if (this.closed || this.queue.length === 0) return;
    if (this.queue.length >= this.limit && this.failStreak === 0) {
      if (!this.scheduled) void this.flush(false);
      return;
    }
    if (this.flushTimer) return;
    const delay = Math.min(this.opts.flushMs * 2 ** Math.min(this.failStreak, 20), Math.max(this.opts.flushMs, this.opts.heartbeatMs));
    this.flushTimer = setTimeout(() => void this.flush(false), delay);
  }

  push(event: JobEvent): void {
    if (this.closed || this.job.leaseLost) return;
    this.queue.push(event);
    if (this.queue.length > MAX_QUEUED_EVENTS) this.queue.splice(0, this.queue.length - MAX_QUEUED_EVENTS);
    this.schedule();
  }

  /** Queues a post (events waiting, or a heartbeat when `force`). */
  private flush(force: boolean): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    this.scheduled = true;
    this.chain = this.chain.then(() => this.post(force));
    return this.chain;
  }

  private async post(force: boolean): Promise<void> {
    this.scheduled = false;
    if (this.job.leaseLost || this.job.abandoned) return;
    if (this.queue.length === 0 && !force) return;
    // small batches; a backlog (after network failures) drains in bigger ones
    const take = this.queue.length > 5 * this.opts.batchSize && this.limit === this.opts.batchSize ? MAX_EVENTS_PER_POST : this.limit;
    const batch = this.queue.splice(0, take);
    const { message } = this.job;
    try {
      const reply = await this.api.events(message.id, message.lease_id, batch, this.opts.visibilityMs);
      this.logger.debug("events posted", { job_id: message.id, events: batch.length, lease_expires_at: reply.lease_expires_at });
      this.failStreak = 0;
    } catch (error) {
      if (error instanceof RunnerApiError && error.leaseLost) {
        this.job.leaseLost = true;
        this.logger.warn("lease lost", { job_id: message.id, lease_id: message.lease_id, during: "events" });
      } else if (error instanceof RunnerApiError && !error.retryable) {
        this.logger.warn("events refused, dropped", { job_id: message.id, events: batch.length, error: error.message });
      } else {
        this.networkFailures++;
        this.failStreak++;
        if (error instanceof RunnerApiError && error.kind === "http" && batch.length > 1) this.limit = Math.max(1, Math.floor(batch.length / 2));
        this.queue.unshift(...batch);
        this.logger.warn("events not posted, kept for the next try", {
          job_id: message.id,
          events: batch.length,
          next_batch: this.limit,
          error: errorMessage(error),
        });
      }
    }
    this.schedule();
  }

  /** Stops the timers and sends what is left (giving up after three failures). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const failedBefore = this.networkFailures;
    await this.flush(false);
    while (this.queue.length > 0 && !this.job.leaseLost && !this.job.abandoned && this.networkFailures - failedBefore < 3) await this.flush(false);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}

/** A small waitable flag: `wait()` resolves at the next `notify()`. */
class Notifier {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}

/** Creates the loop; nothing happens until `run()`. */
export function createRunnerLoop(options: RunnerLoopOptions): RunnerLoop {
  const { api, executor, record, logger } = options;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const visibilityMs = options.visibilityMs ?? 120_000;
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  const graceMs = options.graceMs ?? 30_000;
  const pumpOptions = {
    flushMs: options.eventFlushMs ?? 500,
    batchSize: options.eventBatchSize ?? 20,
    heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(visibilityMs / 3)),
    visibilityMs,
  };
  const backoffInitial = options.backoff?.initialMs ?? 1_000;
  const backoffMax = options.backoff?.maxMs ?? 60_000;
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  const onceMaxPullFailures = options.onceMaxPullFailures ?? 5;

  const active = new Map<string, ActiveJob>();
  const stopping = new AbortController();
  const slotFreed = new Notifier();
  /** Until a job ends or stop() is called (stop() notifies too). */
  const slotOrStop = () => (stopping.signal.aborted ? Promise.resolve() : slotFreed.wait());

  async function ack(job: ActiveJob): Promise<void> {
    const backoff = new Backoff(backoffInitial, backoffMax, random);
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await api.ack([job.message.lease_id], []);
        return;
      } catch (error) {
        if (error instanceof RunnerApiError && !error.retryable) break;
        if (attempt < 3 && !job.abandoned) await sleep(backoff.next(), job.abort.signal);
        else logger.warn("ack not sent (the lease will simply run out)", { job_id: job.message.id, error: errorMessage(error) });
      }
    }
  }

  /** Posts the result until answered; "lost" on 409, "refused" on another 4xx, "abandoned" when given up. */
  async function postResult(job: ActiveJob, result: JobResult): Promise<"posted" | "lost" | "refused" | "abandoned"> {
    const { message } = job;
    const backoff = new Backoff(backoffInitial, backoffMax, random);
    let current = result;
    for (;;) {
      if (job.abandoned) return "abandoned";
      try {
        const reply = await api.result(message.id, message.lease_id, current);
        logger.info("result posted", { job_id: message.id, status: current.status, duplicate: reply.duplicate, job_status: reply.job.status });
        return "posted";
      } catch (error) {
        if (error instanceof RunnerApiError && error.leaseLost) {
          logger.warn("lease lost", { job_id: message.id, lease_id: message.lease_id, during: "result" });
          return "lost";
        }
        if (error instanceof RunnerApiError && !error.retryable) {
          logger.error("result refused", { job_id: message.id, status: error.status, error: error.message });
          if (current.status === "succeeded" && (error.status === 400 || error.status === 422)) {
            // an outcome the worker cannot take (too large, malformed) still ends the job, as a failure
            current = { status: "failed", outputs: {}, error: { task: null, message: `the worker refused the result: ${error.message}`.slice(0, 4000) } };
            continue;
          }
          return "refused";
        }
        const delay = backoff.next();
        logger.warn("result not posted, retrying", { job_id: message.id, error: errorMessage(error), retry_in_ms: delay });
        await sleep(delay, job.abort.signal);
      }
    }
  }

  /** Failures of reaching CGRateS (refused, unreachable, timed out, 5xx): worth another attempt later. */
  function isTransient(text: string): boolean {
    return /connection refused|urlopen error|timed? ?out|temporary failure|name or service not known|status code was (5\d\d|-1)|SERVER_ERROR(?!: NOT_FOUND)|HTTP 50\d|unreachable/i.test(
      text,
    );
  }

  async function work(job: ActiveJob): Promise<void> {
    const { message } = job;
    const jobId = message.body.job_id || message.id;
    const recorded = record.get(jobId);
    let result: JobResult;
    if (recorded) {
      logger.info("job already done here, posting its recorded result again", { job_id: jobId, status: recorded.result.status, attempts: message.attempts });
      result = recorded.result;
    } else {
      logger.info("job started", {
        job_id: jobId,
        type: message.body.type,
        playbook: message.body.playbook,
        service_id: message.body.service_id,
        attempt: message.attempts,
      });
      const started = Date.now();
      const pump = new EventPump(api, job, pumpOptions, logger);
      try {
        result = await executor(message, { signal: job.abort.signal, onEvent: (e) => pump.push(e) });
      } catch (error) {
        result = { status: "failed", outputs: {}, error: { task: null, message: errorMessage(error).slice(0, 4000) || "the job failed" } };
      }
      if (job.abandoned) {
        await pump.close().catch(() => undefined);
        logger.warn("job given up at shutdown; its outcome is not reported", { job_id: jobId });
        return;
      }
      await pump.close();
      if (job.leaseLost) {
        logger.warn("lease lost: job dropped", { job_id: jobId, lease_id: message.lease_id });
        return;
      }
      if (result.status === "failed" && isTransient(result.error?.message ?? "") && message.attempts < message.max_attempts) {
        // The network, not the job: the playbook's rescue has undone its part, so it is given back
        // to run again later (growing delay) instead of failing the service; the last attempt reports.
        const delay = Math.min(300, (options.retryBaseS ?? 15) * 2 ** (message.attempts - 1));
        logger.warn("transient failure, job given back for a later attempt", {
          job_id: jobId,
          attempt: message.attempts,
          retry_in_s: delay,
          error: result.error?.message.slice(0, 300),
        });
        try {
          await api.ack([], [{ lease_id: message.lease_id, delay_seconds: delay }]);
        } catch (error) {
          logger.warn("could not give the job back (its lease will run out)", { job_id: jobId, error: errorMessage(error) });
        }
        return;
      }
      logger.info("job finished", {
        job_id: jobId,
        status: result.status,
        duration_ms: Date.now() - started,
        failed_task: result.error?.task ?? undefined,
        error: result.error ? result.error.message.slice(0, 500) : undefined,
      });
      try {
        record.append({ job_id: jobId, lease_id: message.lease_id, attempts: message.attempts, at: now().toISOString(), result });
      } catch (error) {
        logger.error("the completed record could not be written; reporting anyway", { job_id: jobId, error: errorMessage(error) });
      }
    }
    const posted = await postResult(job, result);
    if (posted === "posted" || posted === "refused") await ack(job);
  }

  function start(message: LeasedMessage): void {
    const job: ActiveJob = { message, abort: new AbortController(), abandoned: false, leaseLost: false, done: Promise.resolve() };
    job.done = work(job)
      .catch((error) => logger.error("job handling failed", { job_id: message.id, error: errorMessage(error) }))
      .finally(() => {
        active.delete(message.lease_id);
        slotFreed.notify();
      });
    active.set(message.lease_id, job);
  }

  async function giveBack(jobs: ActiveJob[]): Promise<void> {
    const retries = jobs.map((j) => ({ lease_id: j.message.lease_id, delay_seconds: 0 }));
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const reply = await api.ack([], retries);
        logger.info("running jobs given back", { job_ids: jobs.map((j) => j.message.id), retried: reply.retried });
        return;
      } catch (error) {
        logger.warn("could not give jobs back (their leases will run out)", { error: errorMessage(error), attempt });
        if (error instanceof RunnerApiError && !error.retryable) return;
        if (attempt < 3) await sleep(Math.min(backoffInitial * attempt, 2_000));
      }
    }
  }

  async function shutdown(): Promise<void> {
    if (active.size === 0) return;
    logger.info("waiting for running jobs", { running: active.size, grace_ms: graceMs });
    const all = Promise.all([...active.values()].map((j) => j.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (!timedOut) return;
    const left = [...active.values()];
    for (const job of left) {
      job.abandoned = true;
      job.abort.abort();
    }
    logger.warn("grace period over: stopping running jobs", { job_ids: left.map((j) => j.message.id) });
    await giveBack(left);
    // let the aborted work settle (playbooks killed) without waiting forever
    await Promise.race([Promise.all(left.map((j) => j.done)), sleep(5_000)]);
  }

  async function run(): Promise<number> {
    const pullBackoff = new Backoff(backoffInitial, backoffMax, random);
    let exitCode = 0;
    logger.info("runner loop started", { concurrency, visibility_ms: visibilityMs, once: options.once === true, recorded_jobs: record.size });
    while (!stopping.signal.aborted) {
      const free = concurrency - active.size;
      if (free <= 0) {
        await slotOrStop();
        continue;
      }
      let messages: LeasedMessage[];
      try {
        messages = await api.pull(Math.min(free, 10), visibilityMs);
        if (pullBackoff.failures > 0) logger.info("worker reachable again", {});
        pullBackoff.reset();
      } catch (error) {
        const delay = pullBackoff.next();
        logger.warn("pull failed, backing off", {
          error: errorMessage(error),
          status: error instanceof RunnerApiError ? error.status : undefined,
          retry_in_ms: delay,
        });
        if (options.once && pullBackoff.failures >= onceMaxPullFailures) {
          logger.error("giving up: the worker could not be reached", { failures: pullBackoff.failures });
          exitCode = 1;
          break;
        }
        await sleep(delay, stopping.signal);
        continue;
      }
      for (const message of messages) {
        if (active.has(message.lease_id)) continue;
        start(message);
      }
      if (messages.length > 0 && messages.length >= free) continue;
      if (options.once) {
        if (messages.length === 0 && active.size === 0) break;
        if (messages.length === 0) await slotOrStop();
        continue;
      }
      await sleep(pollIntervalMs, stopping.signal);
    }
    if (stopping.signal.aborted) logger.info("stopping: no more pulls", { running: active.size });
    await shutdown();
    await Promise.all([...active.values()].map((j) => (j.abandoned ? Promise.resolve() : j.done)));
    logger.info("runner loop stopped", { exit_code: exitCode });
    return exitCode;
  }

  return {
    run,
    stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      slotFreed.notify();
    },
    get active() {
      return active.size;
    },
  };
}
