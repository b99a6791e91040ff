import { checkLowStock } from "../domain/inventory/items";
import type { ServiceDeps } from "../domain/services/port";
import { sendJobs } from "../queue/provisioning";

/**
 * The domain's ServiceState port over the Durable Object namespace, job queueing, and the low-stock
 * check after an order took inventory (`baseUrl`: the origin links in alert emails point to).
 */
export function serviceDeps(env: Env, baseUrl = ""): ServiceDeps {
  return {
    baseUrl: env.PUBLIC_URL || baseUrl,
    // The stub is typed from the ServiceState class (RPC): the compiler checks it provides the port, no cast.
    state: (serviceId) => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(serviceId)),
    enqueue: (jobIds) => sendJobs(env.PROVISIONING_QUEUE, jobIds),
    stockChanged: async (ctx, types) => {
      for (const type of types) await checkLowStock(ctx, { encryptionKey: env.ENCRYPTION_KEY, baseUrl }, type);
    },
  };
}
