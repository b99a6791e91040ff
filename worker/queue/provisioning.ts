import { z } from "zod";
import { jobTransition } from "../domain/jobs/contract";

/** Messages on PROVISIONING_QUEUE carry job ids only; the job row in D1 is the source of truth. */
export const ProvisioningMessage = z.discriminatedUnion("kind", [z.object({ kind: z.literal("job"), job_id: z.string().min(1).max(64) })]);

/**
 * Queue consumer: a job whose row is committed becomes ready for the runner to lease. Idempotent (a
 * repeated message changes nothing); a malformed message is retried into the dead-letter queue.
 */
export async function consumeProvisioning(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = ProvisioningMessage.safeParse(message.body);
    if (!parsed.success) {
      message.retry({ delaySeconds: 30 });
      continue;
    }
    try {
      const from = jobTransition(["pending"], "ready");
      await env.DB.prepare(`UPDATE jobs SET status = 'ready', updated_at = ? WHERE id = ? AND status IN (${from.map(() => "?").join(", ")})`)
        .bind(new Date().toISOString(), parsed.data.job_id, ...from)
        .run();
      message.ack();
    } catch {
      message.retry({ delaySeconds: Math.min(300, 10 * 2 ** message.attempts) });
    }
  }
}
