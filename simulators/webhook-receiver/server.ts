import { type RunningSimulator, serve } from "../lib/server";

/**
 * A webhook receiver for dev and tests: records every POST (path, headers, body) and answers 200,
 * or the status it was told to (`POST /_sim/fail {status, count}`). `GET /_sim/state` lists what it
 * received. It stands for an integrator's endpoint.
 */
export async function startWebhookReceiver(port = 12115): Promise<RunningSimulator> {
  let received: { path: string; signature: string | null; raw: string; body: unknown; at: string }[] = [];
  let failures: { status: number; count: number } | null = null;
  return serve(
    "webhook-receiver",
    port,
    (req) => {
      if (req.method === "POST" && req.url.pathname === "/_sim/fail") {
        const body = JSON.parse(req.body || "{}") as { status?: number; count?: number };
        failures = { status: body.status ?? 500, count: body.count ?? 1 };
        return { status: 200, body: failures };
      }
      if (req.method !== "POST") return { status: 405, body: { error: "POST only" } };
      if (failures && failures.count > 0) {
        failures.count--;
        return { status: failures.status, body: { error: "told to fail" } };
      }
      let body: unknown = req.body;
      try {
        body = JSON.parse(req.body);
      } catch {}
      const signature = req.headers["openbss-signature"];
      received.push({ path: req.url.pathname, signature: typeof signature === "string" ? signature : null, raw: req.body, body, at: new Date().toISOString() });
      return { status: 200, body: { received: true } };
    },
    () => ({ received }),
    () => {
      received = [];
      failures = null;
    },
  );
}
