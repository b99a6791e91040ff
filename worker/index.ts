import { app } from "./app";
import { createDb } from "./db/client";
import { purgeIdempotencyKeys } from "./middleware/idempotency";
import { consumeProvisioning } from "./queue/provisioning";

export { ServiceState } from "./durable/service-state";

export default {
  fetch: app.fetch,
  async queue(batch, _env) {
    if (batch.queue === "provisioning-dlq") {
      // Poison messages: recorded in the logs; the Provisioning module marks their jobs dead.
      for (const message of batch.messages) {
        console.error(JSON.stringify({ level: "error", queue: batch.queue, message_id: message.id, body: message.body }));
        message.ack();
      }
      return;
    }
    await consumeProvisioning(batch);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(purgeIdempotencyKeys(createDb(env.DB)));
  },
} satisfies ExportedHandler<Env>;
