import { z } from "zod";

/** Messages on PROVISIONING_QUEUE carry job ids only; the job row in D1 is the source of truth. */
export const ProvisioningMessage = z.discriminatedUnion("kind", [z.object({ kind: z.literal("job"), job_id: z.string().min(1).max(64) })]);

/**
 * Queue consumer. Jobs and their lifecycle arrive with the Provisioning module; until then a
 * well-formed message is acknowledged and a malformed one is left to retry into the dead-letter queue.
 */
export async function consumeProvisioning(batch: MessageBatch<unknown>): Promise<void> {
  for (const message of batch.messages) {
    const parsed = ProvisioningMessage.safeParse(message.body);
    if (parsed.success) message.ack();
    else message.retry({ delaySeconds: 30 });
  }
}
