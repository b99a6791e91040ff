import { type JobEvent, type LeasedMessage, type RunnerApi, RunnerApiError } from "./api";
import { errorMessage, type Logger } from "./log";

/** A leased job being worked on: shared by the loop, the job steps and the event pump. */
export type ActiveJob = {
  message: LeasedMessage;
  abort: AbortController;
  /** Given up at shutdown: its outcome is not reported. */
  abandoned: boolean;
  leaseLost: boolean;
  done: Promise<void>;
};

/** Timings of an {@link EventPump}. */
export type PumpOptions = { flushMs: number; batchSize: number; heartbeatMs: number; visibilityMs: number };

const MAX_EVENTS_PER_POST = 500;
const MAX_QUEUED_EVENTS = 5_000;

/**
 * Sends a job's events in batches and heartbeats its lease: a post at most every `flushMs` while
 * events wait, at once when `batchSize` wait, and every `heartbeatMs` even with none; each post
 * extends the lease by the visibility. Posts are serialised, so events keep their order; events of
 * a post that failed on the network are kept for the next one.
 */
export class EventPump {
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
    private readonly opts: PumpOptions,
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

  /** Queues an event (dropped once the pump is closed or the lease lost). */
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

  /** Sends one batch (or a bare heartbeat); a network failure keeps the batch for the next post. */
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
