import { app } from "./app";
import { consumeProvisioning } from "./queue/provisioning";
import { runScheduled } from "./scheduled";

export { LoginGuard } from "./durable/login-guard";
export { ServiceState } from "./durable/service-state";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue === "provisioning-dlq") {
      // Poison messages: recorded in the logs. A job whose message ended here is still pending in D1,
      // and the minute sweep (sweepJobs) sends it again.
      for (const message of batch.messages) {
        console.error(JSON.stringify({ level: "error", queue: batch.queue, message_id: message.id, body: message.body }));
        message.ack();
      }
      return;
    }
    await consumeProvisioning(batch, env);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(env, new Date(controller.scheduledTime).toISOString()));
  },
} satisfies ExportedHandler<Env>;
