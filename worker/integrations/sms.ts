import type { SmsSender } from "../domain/sms/types";

/**
 * The operator's HTTP SMS gateway: `POST {SMS_GATEWAY_URL}/messages` with JSON `{from, to, text,
 * reference}` and, when `SMS_GATEWAY_TOKEN` is set, `Authorization: Bearer <token>`; any 2xx with
 * `{id}` is accepted. Network errors, 429 and 5xx are retried; another 4xx is final. Without a URL
 * nothing is sent and the SMS stays queued.
 */
export function httpSmsSender(env: { SMS_GATEWAY_URL?: string; SMS_GATEWAY_TOKEN?: string }, from: string): SmsSender {
  return async (sms) => {
    if (!env.SMS_GATEWAY_URL) return { ok: false, error: "SMS gateway is not configured", retryable: true, notConfigured: true };
    try {
      const response = await fetch(new URL("messages", env.SMS_GATEWAY_URL.endsWith("/") ? env.SMS_GATEWAY_URL : `${env.SMS_GATEWAY_URL}/`), {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(env.SMS_GATEWAY_TOKEN ? { Authorization: `Bearer ${env.SMS_GATEWAY_TOKEN}` } : {}) },
        body: JSON.stringify({ from, to: sms.toPhone, text: sms.text, reference: sms.id }),
        signal: AbortSignal.timeout(10_000),
      });
      const json = (await response.json().catch(() => ({}))) as { id?: unknown; error?: unknown };
      if (response.ok) return { ok: true, messageId: typeof json.id === "string" ? json.id : null };
      return {
        ok: false,
        error: typeof json.error === "string" ? json.error : `HTTP ${response.status}`,
        retryable: response.status >= 500 || response.status === 429,
      };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : "unreachable", retryable: true };
    }
  };
}

/** A sender id: the operator's name as the alphanumeric originator (at most 11 characters, letters and digits). */
export function smsFrom(operatorName: string): string {
  return operatorName.replace(/[^A-Za-z0-9]/g, "").slice(0, 11) || "OpenBSS";
}
