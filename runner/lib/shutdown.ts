import { RunnerApiError } from "./api";
import type { ActiveJob } from "./event-pump";
import type { JobContext } from "./job";
import { errorMessage } from "./log";
import { sleep } from "./timing";

/**
 * The runner loop's graceful shutdown: running jobs get the grace period, after which they are
 * aborted (playbooks killed) and given back with `ack.retries` (delay 0).
 */

/** Waits for the running jobs up to `graceMs`, gives up the rest, then waits for those not given up. */
export async function shutdown(ctx: JobContext, active: Map<string, ActiveJob>, graceMs: number): Promise<void> {
  await abandonAfterGrace(ctx, active, graceMs);
  await Promise.all([...active.values()].map((j) => (j.abandoned ? Promise.resolve() : j.done)));
}

/** Lets the running jobs finish within `graceMs`; past it, aborts them and gives them back. */
async function abandonAfterGrace(ctx: JobContext, active: Map<string, ActiveJob>, graceMs: number): Promise<void> {
  if (active.size === 0) return;
  ctx.logger.info("waiting for running jobs", { running: active.size, grace_ms: graceMs });
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
  ctx.logger.warn("grace period over: stopping running jobs", { job_ids: left.map((j) => j.message.id) });
  await giveBack(ctx, left);
  // let the aborted work settle (playbooks killed) without waiting forever
  await Promise.race([Promise.all(left.map((j) => j.done)), sleep(5_000)]);
}

/** Gives abandoned jobs back to be leased again at once (three tries; otherwise their leases run out). */
async function giveBack(ctx: JobContext, jobs: ActiveJob[]): Promise<void> {
  const retries = jobs.map((j) => ({ lease_id: j.message.lease_id, delay_seconds: 0 }));
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const reply = await ctx.api.ack([], retries);
      ctx.logger.info("running jobs given back", { job_ids: jobs.map((j) => j.message.id), retried: reply.retried });
      return;
    } catch (error) {
      ctx.logger.warn("could not give jobs back (their leases will run out)", { error: errorMessage(error), attempt });
      if (error instanceof RunnerApiError && !error.retryable) return;
      if (attempt < 3) await sleep(Math.min(ctx.backoff.initialMs * attempt, 2_000));
    }
  }
}
