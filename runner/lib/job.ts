import { type JobResult, type LeasedMessage, type RunnerApi, RunnerApiError } from "./api";
import { type ActiveJob, EventPump, type PumpOptions } from "./event-pump";
import type { JobExecutor } from "./executor";
import { errorMessage, type Logger } from "./log";
import type { CompletedRecord } from "./record";
import { Backoff, sleep } from "./timing";

/**
 * The steps of one leased job: run it (or take its recorded result), record the outcome locally
 * (fsync'd) and only then report it, then ack. A job that failed only because CGRateS could not be
 * reached is given back for a later attempt instead.
 */

/** What the job steps need: the loop's collaborators and its resolved settings. */
export type JobContext = {
  api: RunnerApi;
  executor: JobExecutor;
  record: CompletedRecord;
  logger: Logger;
  pump: PumpOptions;
  backoff: { initialMs: number; maxMs: number };
  random: () => number;
  now: () => Date;
  /** First delay (s) before a transiently failed job runs again. */
  retryBaseS: number;
};

/** What became of a posted result. */
type PostOutcome = "posted" | "lost" | "refused" | "abandoned";

/** A fresh backoff with the loop's timings. */
export function newBackoff(ctx: JobContext): Backoff {
  return new Backoff(ctx.backoff.initialMs, ctx.backoff.maxMs, ctx.random);
}

/** Handles one leased job end to end: its recorded result or a fresh run, then the report and the ack. */
export async function runJob(ctx: JobContext, job: ActiveJob): Promise<void> {
  const { message } = job;
  const jobId = message.body.job_id || message.id;
  const recorded = ctx.record.get(jobId);
  let result: JobResult | null;
  if (recorded) {
    ctx.logger.info("job already done here, posting its recorded result again", { job_id: jobId, status: recorded.result.status, attempts: message.attempts });
    result = recorded.result;
  } else {
    result = await executeJob(ctx, job, jobId);
  }
  if (result === null) return;
  const posted = await postResult(ctx, job, result);
  if (posted === "posted" || posted === "refused") await ack(ctx, job);
}

/** Runs the job with its events pumped; its result to report, or null when there is none (given up, lease lost, given back). */
async function executeJob(ctx: JobContext, job: ActiveJob, jobId: string): Promise<JobResult | null> {
  const { message } = job;
  const { logger } = ctx;
  logger.info("job started", {
    job_id: jobId,
    type: message.body.type,
    playbook: message.body.playbook,
    service_id: message.body.service_id,
    attempt: message.attempts,
  });
  const started = Date.now();
  const pump = new EventPump(ctx.api, job, ctx.pump, logger);
  let result: JobResult;
  try {
    result = await ctx.executor(message, { signal: job.abort.signal, onEvent: (e) => pump.push(e) });
  } catch (error) {
    result = { status: "failed", outputs: {}, error: { task: null, message: errorMessage(error).slice(0, 4000) || "the job failed" } };
  }
  if (job.abandoned) {
    await pump.close().catch(() => undefined);
    logger.warn("job given up at shutdown; its outcome is not reported", { job_id: jobId });
    return null;
  }
  await pump.close();
  if (job.leaseLost) {
    logger.warn("lease lost: job dropped", { job_id: jobId, lease_id: message.lease_id });
    return null;
  }
  if (shouldRetryLater(result, message)) {
    await giveBackForRetry(ctx, job, jobId, result);
    return null;
  }
  recordOutcome(ctx, job, jobId, result, started);
  return result;
}

/** Failures of reaching CGRateS (refused, unreachable, timed out, 5xx): worth another attempt later. */
function isTransient(text: string): boolean {
  return /connection refused|urlopen error|timed? ?out|temporary failure|name or service not known|status code was (5\d\d|-1)|SERVER_ERROR(?!: NOT_FOUND)|HTTP 50\d|unreachable/i.test(
    text,
  );
}

/** A transient failure with attempts left: the job goes back rather than failing the service. */
function shouldRetryLater(result: JobResult, message: LeasedMessage): boolean {
  return result.status === "failed" && isTransient(result.error?.message ?? "") && message.attempts < message.max_attempts;
}

/** Gives a transiently failed job back to be leased again after a growing delay (at most 300 s). */
async function giveBackForRetry(ctx: JobContext, job: ActiveJob, jobId: string, result: JobResult): Promise<void> {
  // The network, not the job: the playbook's rescue has undone its part, so it is given back
  // to run again later (growing delay) instead of failing the service; the last attempt reports.
  const { message } = job;
  const delay = Math.min(300, ctx.retryBaseS * 2 ** (message.attempts - 1));
  ctx.logger.warn("transient failure, job given back for a later attempt", {
    job_id: jobId,
    attempt: message.attempts,
    retry_in_s: delay,
    error: result.error?.message.slice(0, 300),
  });
  try {
    await ctx.api.ack([], [{ lease_id: message.lease_id, delay_seconds: delay }]);
  } catch (error) {
    ctx.logger.warn("could not give the job back (its lease will run out)", { job_id: jobId, error: errorMessage(error) });
  }
}

/** Logs the finished job and appends its outcome to the completed record (reporting goes on if that fails). */
function recordOutcome(ctx: JobContext, job: ActiveJob, jobId: string, result: JobResult, started: number): void {
  const { message } = job;
  ctx.logger.info("job finished", {
    job_id: jobId,
    status: result.status,
    duration_ms: Date.now() - started,
    failed_task: result.error?.task ?? undefined,
    error: result.error ? result.error.message.slice(0, 500) : undefined,
  });
  try {
    ctx.record.append({ job_id: jobId, lease_id: message.lease_id, attempts: message.attempts, at: ctx.now().toISOString(), result });
  } catch (error) {
    ctx.logger.error("the completed record could not be written; reporting anyway", { job_id: jobId, error: errorMessage(error) });
  }
}

/** Posts the result until answered; "lost" on 409, "refused" on another 4xx, "abandoned" when given up. */
async function postResult(ctx: JobContext, job: ActiveJob, result: JobResult): Promise<PostOutcome> {
  const { message } = job;
  const { api, logger } = ctx;
  const backoff = newBackoff(ctx);
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

/** Acknowledges the job's lease (three tries; otherwise the lease simply runs out). */
async function ack(ctx: JobContext, job: ActiveJob): Promise<void> {
  const backoff = newBackoff(ctx);
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await ctx.api.ack([job.message.lease_id], []);
      return;
    } catch (error) {
      if (error instanceof RunnerApiError && !error.retryable) break;
      if (attempt < 3 && !job.abandoned) await sleep(backoff.next(), job.abort.signal);
      else ctx.logger.warn("ack not sent (the lease will simply run out)", { job_id: job.message.id, error: errorMessage(error) });
    }
  }
}
