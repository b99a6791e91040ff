import { checkLowStock } from "../domain/inventory/items";
import type { ServiceDeps, ServiceStatePort } from "../domain/services/port";

/**
 * The domain's ServiceState port over the Durable Object namespace, job queueing, and the low-stock
 * check after an order took inventory (`baseUrl`: the origin links in alert emails point to).
 */
export function serviceDeps(env: Env, baseUrl = ""): ServiceDeps {
  return {
    baseUrl: env.PUBLIC_URL || baseUrl,
    // The namespace's RPC handles expose the object's methods; their serialised results match the port's plain-data types.
    state: (serviceId) => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(serviceId)) as unknown as ServiceStatePort,
    enqueue: async (jobIds) => {
      if (jobIds.length === 0) return;
      await env.PROVISIONING_QUEUE.sendBatch(jobIds.map((id) => ({ body: { kind: "job" as const, job_id: id } })));
    },
    stockChanged: async (ctx, types) => {
      for (const type of types) await checkLowStock(ctx, { encryptionKey: env.ENCRYPTION_KEY, baseUrl }, type);
    },
  };
}
