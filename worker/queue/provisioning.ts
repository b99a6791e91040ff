import { z } from "zod";
import { createDb } from "../db/client";
import { advanceBillRun } from "../domain/billing/bill-runs/run";
import { jobTransition, WORKER_JOB_TYPES } from "../domain/jobs/contract";

/** Job ids per UPDATE: D1 binds at most 100 parameters, and the statement needs a few of its own. */
const IDS_PER_STATEMENT = 90;

const JobId = z.string().min(1).max(64);
/**
 * Messages on PROVISIONING_QUEUE carry job ids only; the job row in D1 is the source of truth. One
 * job per message, or the jobs one write made (a burst of top-ups on a service) in one message: the
 * queue's own cost is per message, and the consumer marks them ready together anyway.
 */
export const ProvisioningMessage = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("job"), job_id: JobId }),
  z.object({ kind: z.literal("jobs"), job_ids: z.array(JobId).min(1).max(IDS_PER_STATEMENT) }),
]);
export type ProvisioningMessage = z.infer<typeof ProvisioningMessage>;

/** Messages per `sendBatch` (the Queues limit is 100). */
const SEND_BATCH = 100;

/** Sends job ids to the provisioning queue (jobs whose rows D1 already has): up to 90 ids a message, 100 messages a call. */
export async function sendJobs(queue: Queue, jobIds: readonly string[]): Promise<void> {
  const messages: { body: ProvisioningMessage }[] = [];
  for (let i = 0; i < jobIds.length; i += IDS_PER_STATEMENT) {
    const ids = jobIds.slice(i, i + IDS_PER_STATEMENT);
    messages.push({ body: ids.length === 1 ? { kind: "job", job_id: ids[0] ?? "" } : { kind: "jobs", job_ids: ids } });
  }
  for (let i = 0; i < messages.length; i += SEND_BATCH) await queue.sendBatch(messages.slice(i, i + SEND_BATCH));
}

/**
 * Queue consumer: a job whose row is committed becomes ready for the runner to lease. Idempotent (a
 * repeated message changes nothing); a malformed message is retried into the dead-letter queue. A
 * delivery is one D1 call however many messages it carries (a top-up burst delivers many at once).
 */
export async function consumeProvisioning(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const valid: { message: Message<unknown>; jobIds: string[] }[] = [];
  for (const message of batch.messages) {
    const parsed = ProvisioningMessage.safeParse(message.body);
    if (parsed.success) valid.push({ message, jobIds: parsed.data.kind === "job" ? [parsed.data.job_id] : parsed.data.job_ids });
    else message.retry({ delaySeconds: 30 });
  }
  if (valid.length === 0) return;
  const allIds = valid.flatMap((v) => v.jobIds);
  const from = jobTransition(["pending"], "ready");
  const now = new Date().toISOString();
  // Per 90 ids: the UPDATE, and the read of which of them are the worker's own jobs (bill runs). One
  // D1 call per delivery; every statement stays under D1's 100 bound parameters.
  const statements: D1PreparedStatement[] = [];
  const reads: number[] = [];
  for (let i = 0; i < allIds.length; i += IDS_PER_STATEMENT) {
    const ids = allIds.slice(i, i + IDS_PER_STATEMENT);
    const marks = ids.map(() => "?").join(", ");
    statements.push(
      env.DB.prepare(`UPDATE jobs SET status = 'ready', updated_at = ? WHERE id IN (${marks}) AND status IN (${from.map(() => "?").join(", ")})`).bind(
        now,
        ...ids,
        ...from,
      ),
    );
    reads.push(statements.length);
    statements.push(
      env.DB.prepare(`SELECT id FROM jobs WHERE id IN (${marks}) AND type IN (${WORKER_JOB_TYPES.map(() => "?").join(", ")})`).bind(
        ...ids,
        ...WORKER_JOB_TYPES,
      ),
    );
  }
  const own = new Set<string>();
  try {
    const results = await env.DB.batch<{ id: string }>(statements);
    for (const i of reads) for (const row of results[i]?.results ?? []) own.add(row.id);
  } catch {
    for (const { message } of valid) message.retry({ delaySeconds: Math.min(300, 10 * 2 ** message.attempts) });
    return;
  }
  // The worker's own jobs (bill runs) are carried out here, one delivery at a time. A message whose
  // own job failed comes back; running its other jobs again is harmless (a finished job is not leased again).
  for (const { message, jobIds } of valid) {
    let failed = false;
    for (const jobId of jobIds.filter((id) => own.has(id))) {
      try {
        await runWorkerJob(env, jobId);
      } catch (error) {
        console.error(JSON.stringify({ level: "error", msg: "worker job failed", job_id: jobId, error: String(error) }));
        failed = true;
      }
    }
    if (failed) message.retry({ delaySeconds: 30 });
    else message.ack();
  }
}

/** One delivery of a job the worker runs itself (see WORKER_JOB_TYPES). */
export async function runWorkerJob(env: Env, jobId: string): Promise<string> {
  const ctx = { db: createDb(env.DB), actor: { type: "system" as const, id: null, label: "bill run" }, requestId: null, now: new Date().toISOString() };
  return advanceBillRun(ctx, (ids) => sendJobs(env.PROVISIONING_QUEUE, ids), jobId);
}
