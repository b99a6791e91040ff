import { type RunningSimulator, serve } from "../lib/server";

/**
 * Mailjet Send API v3.1 simulator: `POST /v3.1/send` with HTTP basic auth. It refuses what Mailjet
 * refuses — missing or wrong credentials (401), a body without Messages or a message without
 * From/To/Subject/body (400) — and records what it accepts (`GET /_sim/state`). Recipients at
 * `@fail.example` get a 500, to exercise retries.
 */
export type SentAttachment = { contentType: string; filename: string; size: number; base64: string };
export type SentMessage = {
  at: string;
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  customId: string | null;
  attachments: SentAttachment[];
};

type Message = {
  From?: { Email?: string; Name?: string };
  To?: { Email?: string; Name?: string }[];
  Subject?: string;
  TextPart?: string;
  HTMLPart?: string;
  TemplateID?: number;
  CustomID?: string;
  Attachments?: { ContentType?: string; Filename?: string; Base64Content?: string }[];
};

/** The message properties this client may send (Mailjet has more; a misspelt one is refused here, not ignored). */
const MESSAGE_FIELDS = new Set([
  "From",
  "To",
  "Cc",
  "Bcc",
  "Subject",
  "TextPart",
  "HTMLPart",
  "TemplateID",
  "CustomID",
  "Attachments",
  "InlinedAttachments",
  "Headers",
  "Variables",
]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function startMailjetSimulator(port = 12112, credentials = { key: "sim-key", secret: "sim-secret" }): Promise<RunningSimulator> {
  let messages: SentMessage[] = [];
  // Real Mailjet MessageIDs are above 2^53 (e.g. 288230387434519734): a client parsing them as JS
  // numbers loses digits. They go on the wire as exact integers.
  let counter = 288_230_376_151_711_744n;
  return serve(
    "mailjet",
    port,
    (req) => {
      if (req.url.pathname !== "/v3.1/send" || req.method !== "POST") return { status: 404, body: { ErrorMessage: "Not found" } };
      const expected = `Basic ${Buffer.from(`${credentials.key}:${credentials.secret}`).toString("base64")}`;
      if (req.headers.authorization !== expected)
        return {
          status: 401,
          body: {
            ErrorIdentifier: "sim-401",
            StatusCode: 401,
            ErrorMessage: "API key authentication/authorization failure. You may be unauthorized to access the API or your API key may be expired.",
          },
        };
      let body: { Messages?: Message[]; SandboxMode?: boolean };
      try {
        body = JSON.parse(req.body);
      } catch {
        return { status: 400, body: { ErrorIdentifier: "sim-400", StatusCode: 400, ErrorMessage: "Malformed JSON" } };
      }
      if (!Array.isArray(body.Messages) || body.Messages.length === 0) {
        return { status: 400, body: { ErrorIdentifier: "sim-400", StatusCode: 400, ErrorMessage: "Missing Messages" } };
      }
      const results = body.Messages.map((m) => {
        const errors: { ErrorMessage: string; ErrorRelatedTo: string[] }[] = [];
        if (!m.From?.Email || !EMAIL.test(m.From.Email))
          errors.push({ ErrorMessage: "Property From.Email is missing or invalid", ErrorRelatedTo: ["From.Email"] });
        if (!Array.isArray(m.To) || m.To.length === 0 || m.To.some((t) => !t.Email || !EMAIL.test(t.Email)))
          errors.push({ ErrorMessage: "Property To is missing or invalid", ErrorRelatedTo: ["To"] });
        if (!m.TemplateID && !m.Subject) errors.push({ ErrorMessage: "Property Subject is missing", ErrorRelatedTo: ["Subject"] });
        if (!m.TemplateID && !m.TextPart && !m.HTMLPart)
          errors.push({ ErrorMessage: "At least TextPart or HTMLPart is required", ErrorRelatedTo: ["TextPart", "HTMLPart"] });
        for (const key of Object.keys(m)) if (!MESSAGE_FIELDS.has(key)) errors.push({ ErrorMessage: `Unknown property ${key}`, ErrorRelatedTo: [key] });
        for (const [i, a] of (m.Attachments ?? []).entries()) {
          const unknown = Object.keys(a).filter((k) => !["ContentType", "Filename", "Base64Content"].includes(k));
          if (!a.ContentType || !a.Filename || !a.Base64Content || !BASE64.test(a.Base64Content) || unknown.length > 0)
            errors.push({
              ErrorMessage: `Attachments[${i}] needs ContentType, Filename and Base64Content (base64) only`,
              ErrorRelatedTo: [`Attachments[${i}]`],
            });
        }
        return { m, errors };
      });
      if (results.some((r) => r.errors.length > 0)) {
        return {
          status: 400,
          body: {
            Messages: results.map((r) =>
              r.errors.length
                ? { Status: "error", Errors: r.errors.map((e) => ({ ...e, ErrorIdentifier: "sim", StatusCode: 400, ErrorCode: "mj-0003" })) }
                : { Status: "success", To: [] },
            ),
          },
        };
      }
      if (results.some((r) => r.m.To?.some((t) => t.Email?.endsWith("@fail.example"))))
        return { status: 500, body: { ErrorMessage: "Internal server error (simulated)" } };
      const now = new Date().toISOString();
      const answer = {
        Messages: results.map(({ m }) => {
          const to = (m.To ?? []).map((t) => ({ Email: t.Email ?? "", MessageUUID: crypto.randomUUID(), MessageID: `__ID_${counter++}__`, MessageHref: "" }));
          if (!body.SandboxMode) {
            messages.push({
              at: now,
              messageId: (to[0]?.MessageID ?? "").replace(/^__ID_(\d+)__$/, "$1"),
              from: m.From?.Email ?? "",
              to: to.map((t) => t.Email),
              subject: m.Subject ?? "",
              text: m.TextPart ?? "",
              html: m.HTMLPart ?? "",
              customId: m.CustomID ?? null,
              attachments: (m.Attachments ?? []).map((a) => ({
                contentType: a.ContentType ?? "",
                filename: a.Filename ?? "",
                size: Buffer.from(a.Base64Content ?? "", "base64").length,
                base64: a.Base64Content ?? "",
              })),
            });
          }
          return { Status: "success", CustomID: m.CustomID ?? "", To: to, Cc: [], Bcc: [] };
        }),
      };
      // MessageIDs as bare integers, digit for digit.
      return { status: 200, body: JSON.stringify(answer).replace(/"__ID_(\d+)__"/g, "$1") };
    },
    () => ({ messages }),
    () => {
      messages = [];
    },
  );
}
