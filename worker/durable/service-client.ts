import type { ServiceDeps, ServiceStatePort } from "../domain/services/port";

/** The domain's ServiceState port over the Durable Object namespace, and job queueing. */
export function serviceDeps(env: Env): ServiceDeps {
  return {
    // The namespace's RPC handles expose the object's methods; their serialised results match the port's plain-data types.
    state: (serviceId) => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(serviceId)) as unknown as ServiceStatePort,
    enqueue: async (jobIds) => {
      if (jobIds.length === 0) return;
      await env.PROVISIONING_QUEUE.sendBatch(jobIds.map((id) => ({ body: { kind: "job" as const, job_id: id } })));
    },
  };
}
