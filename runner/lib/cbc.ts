/**
 * The runner's side of cell broadcast: the ECBE REST API of the Osmocom CBC (`CBC_URL`). The worker
 * gives each job the exact request bodies; this sends them. `send`: POST each message — 201 is sent;
 * 409 ("Could not allocate": the message id is already active) after an earlier attempt means that
 * attempt went through, so it counts as sent. `stop`: DELETE each message id — 404 means it is
 * already gone. Any other 4xx fails the job with the CBC's words; a 5xx or no answer throws, so the
 * job is retried.
 */

export type CbcCallResult = { message_id: number; status: "sent" | "already_active" | "stopped" | "already_gone"; http_status: number };

export class CbcRefused extends Error {
  override readonly name = "CbcRefused";
}

type Fetch = typeof fetch;

/** Sends (or stops) a broadcast job's ECBE messages; each call reported through `step`. */
export async function runCbcJob(
  cbcUrl: string,
  job: { action: "send" | "stop"; messages: { smscb_message: { message_id: number } }[]; message_ids: number[] },
  step: <T>(task: string, work: () => Promise<T>, message: (value: T) => string) => Promise<T>,
  fetchImpl: Fetch = fetch,
  timeoutMs = 30_000,
): Promise<CbcCallResult[]> {
  const base = cbcUrl.replace(/\/+$/, "");
  const results: CbcCallResult[] = [];
  const call = async (method: "POST" | "DELETE", path: string, body?: unknown) => {
    // The real CBC answers once its BSCs/MMEs have (or after its own 15 s timeout): wait longer than that.
    const response = await fetchImpl(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = (await response.text()).slice(0, 500);
    if (response.status >= 500) throw new Error(`the CBC answered ${response.status}: ${text}`);
    return { status: response.status, text };
  };
  if (job.action === "send") {
    for (const message of job.messages) {
      const id = message.smscb_message.message_id;
      const done = await step(
        `Send message ${id} to the CBC`,
        async () => {
          const { status, text } = await call("POST", "/api/ecbe/v1/message", message);
          if (status === 201 || status === 200) return { message_id: id, status: "sent" as const, http_status: status };
          if (status === 409) return { message_id: id, status: "already_active" as const, http_status: status };
          throw new CbcRefused(`the CBC refused message ${id} (${status}): ${text}`);
        },
        (r) => (r.status === "sent" ? "sent" : "already active (an earlier attempt sent it)"),
      );
      results.push(done);
    }
    return results;
  }
  for (const id of job.message_ids) {
    const done = await step(
      `Stop message ${id} at the CBC`,
      async () => {
        const { status, text } = await call("DELETE", `/api/ecbe/v1/message/${id}`);
        if (status === 200 || status === 204) return { message_id: id, status: "stopped" as const, http_status: status };
        if (status === 404) return { message_id: id, status: "already_gone" as const, http_status: status };
        throw new CbcRefused(`the CBC refused to stop message ${id} (${status}): ${text}`);
      },
      (r) => (r.status === "stopped" ? "stopped" : "not active at the CBC"),
    );
    results.push(done);
  }
  return results;
}
