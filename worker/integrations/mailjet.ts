import type { EmailAttachment } from "../db/schema";
import type { Mailer, SendResult } from "../domain/email/outbox";

type MailjetResponse = {
  Messages?: { Status: "success" | "error"; To?: { Email: string; MessageUUID: string; MessageID: number | string }[]; Errors?: { ErrorMessage: string }[] }[];
  ErrorMessage?: string;
};

/**
 * Mailjet Send API v3.1 (`POST {base}/v3.1/send`, HTTP basic auth key:secret). Network errors and
 * 5xx/429 are retryable; a message Mailjet refuses (400) is not. Without credentials nothing is
 * sent and the email stays queued.
 */
export function mailjetMailer(
  env: { MAILJET_API_BASE?: string; MAILJET_API_KEY?: string; MAILJET_API_SECRET?: string; MAIL_FROM?: string; INVOICE_FILES?: R2Bucket },
  fromName: string,
): Mailer {
  return async (email): Promise<SendResult> => {
    if (!env.MAILJET_API_KEY || !env.MAILJET_API_SECRET) return { ok: false, error: "Mailjet is not configured", retryable: true, notConfigured: true };
    const attachments = await attachmentsOf(email.attachments ?? [], env.INVOICE_FILES);
    if ("error" in attachments) return { ok: false, error: attachments.error, retryable: false };
    const body = {
      Messages: [
        {
          From: { Email: env.MAIL_FROM || "no-reply@example.com", Name: fromName },
          To: [{ Email: email.toEmail, ...(email.toName ? { Name: email.toName } : {}) }],
          Subject: email.subject,
          TextPart: email.textBody,
          HTMLPart: email.htmlBody,
          CustomID: email.id,
          ...(attachments.length > 0 ? { Attachments: attachments } : {}),
        },
      ],
    };
    try {
      const response = await fetch(new URL("/v3.1/send", env.MAILJET_API_BASE || "https://api.mailjet.com"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Basic ${btoa(`${env.MAILJET_API_KEY}:${env.MAILJET_API_SECRET}`)}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      // MessageIDs exceed 2^53: they are read as text (a JS number would lose digits).
      const text = (await response.text().catch(() => "")).replace(/"MessageID"\s*:\s*(\d+)/g, '"MessageID":"$1"');
      let json: MailjetResponse = {};
      try {
        json = JSON.parse(text) as MailjetResponse;
      } catch {
        // not JSON: the status says what happened
      }
      if (response.status === 401 || response.status === 403) {
        // Wrong or revoked credentials: not the email's fault, and retrying will not help.
        return {
          ok: false,
          error: `Mailjet refused the credentials (HTTP ${response.status}): check MAILJET_API_KEY and MAILJET_API_SECRET`,
          retryable: true,
          configError: true,
        };
      }
      const message = json.Messages?.[0];
      if (response.ok && message?.Status === "success") return { ok: true, messageId: String(message.To?.[0]?.MessageID ?? "") || null };
      const error = message?.Errors?.map((e) => e.ErrorMessage).join("; ") || json.ErrorMessage || `HTTP ${response.status}`;
      return { ok: false, error, retryable: response.status >= 500 || response.status === 429 };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : "unreachable", retryable: true };
    }
  };
}

/** Mailjet `Attachments` from the files an email names (read from their bucket, base64). */
async function attachmentsOf(
  refs: EmailAttachment[],
  files: R2Bucket | undefined,
): Promise<{ ContentType: string; Filename: string; Base64Content: string }[] | { error: string }> {
  const out: { ContentType: string; Filename: string; Base64Content: string }[] = [];
  for (const ref of refs) {
    const object = files ? await files.get(ref.key) : null;
    if (!object) return { error: `The attachment ${ref.filename} is missing from storage (${ref.key})` };
    const bytes = new Uint8Array(await object.arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    out.push({ ContentType: ref.content_type, Filename: ref.filename, Base64Content: btoa(binary) });
  }
  return out;
}
