import { app } from "./app";
import { createDb } from "./db/client";
import { getSettings } from "./db/queries/settings";
import { sendDueEmails } from "./domain/email/outbox";
import { sweepInventory } from "./domain/inventory/allocation";
import { sweepJobs } from "./domain/jobs/runner";
import { queueDueSyncs, queueNightlyReconciliation } from "./domain/jobs/sync";
import { sendDueSms } from "./domain/sms/outbox";
import { serviceDeps } from "./durable/service-client";
import { mailjetMailer } from "./integrations/mailjet";
import { httpSmsSender, smsFrom } from "./integrations/sms";
import { purgeIdempotencyKeys } from "./middleware/idempotency";
import { consumeProvisioning } from "./queue/provisioning";

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
  async scheduled(_controller, env, ctx) {
    const db = createDb(env.DB);
    ctx.waitUntil(purgeIdempotencyKeys(db));
    ctx.waitUntil(sweepInventory(db, new Date().toISOString()));
    ctx.waitUntil(sweepJobs(db, serviceDeps(env), { actor: { type: "system", id: null, label: "scheduler" }, requestId: null, now: new Date().toISOString() }));
    ctx.waitUntil(queueDueSyncs(db, serviceDeps(env), new Date().toISOString()));
    ctx.waitUntil(queueNightlyReconciliation(db, serviceDeps(env), new Date().toISOString()));
    ctx.waitUntil(getSettings(db).then(({ data }) => sendDueEmails(db, mailjetMailer(env, data.operator_name))));
    ctx.waitUntil(getSettings(db).then(({ data }) => sendDueSms(db, httpSmsSender(env, smsFrom(data.operator_name)))));
  },
} satisfies ExportedHandler<Env>;
