import { type RunningSimulator, serve } from "../lib/server";

export type SimSms = { id: string; from: string; to: string; text: string; reference: string | null; at: string };

/**
 * The operator's HTTP SMS gateway as the worker speaks to it: `POST /messages {from, to, text,
 * reference}` (Bearer token when configured) → 202 `{id}`. Refuses what a gateway refuses: a missing
 * or non-E.164 `to`, an empty `text`, a wrong token. `GET /_sim/state` lists what it accepted.
 */
export async function startSmsSimulator(port: number, options: { token?: string } = {}): Promise<RunningSimulator> {
  let messages: SimSms[] = [];
  let next = 1;
  return serve(
    "sms",
    port,
    (req) => {
      if (req.method !== "POST" || req.url.pathname !== "/messages") return { status: 404, body: { error: "not found" } };
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return { status: 401, body: { error: "unauthorized" } };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(req.body) as Record<string, unknown>;
      } catch {
        return { status: 400, body: { error: "body must be JSON" } };
      }
      if (typeof body.to !== "string" || !/^\+[1-9]\d{6,14}$/.test(body.to)) return { status: 422, body: { error: "to must be an E.164 number" } };
      if (typeof body.text !== "string" || body.text.length === 0) return { status: 422, body: { error: "text is required" } };
      const sms: SimSms = {
        id: `sim-sms-${next++}`,
        from: typeof body.from === "string" ? body.from : "",
        to: body.to,
        text: body.text,
        reference: typeof body.reference === "string" ? body.reference : null,
        at: new Date().toISOString(),
      };
      messages.push(sms);
      return { status: 202, body: { id: sms.id } };
    },
    () => ({ messages }),
    () => {
      messages = [];
    },
  );
}
