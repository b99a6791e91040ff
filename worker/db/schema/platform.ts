/** Platform tables: the activity log, search documents, settings, idempotency keys and the email and SMS outboxes. */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Append-only audit trail; triggers in a custom migration refuse UPDATE and DELETE. */
export const activityLog = sqliteTable(
  "activity_log",
  {
    id: text("id").primaryKey(),
    at: text("at").notNull(),
    actorType: text("actor_type", { enum: ["user", "api_key", "system", "customer"] }).notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label").notNull(),
    entity: text("entity").notNull(),
    entityId: text("entity_id").notNull(),
    customerId: text("customer_id"),
    action: text("action").notNull(),
    changes: text("changes", { mode: "json" }).$type<Record<string, { before: unknown; after: unknown }>>().notNull(),
    requestId: text("request_id"),
  },
  (t) => [
    index("activity_customer_idx").on(t.customerId, t.id),
    index("activity_entity_idx").on(t.entity, t.entityId, t.id),
    index("activity_actor_idx").on(t.actorId, t.id),
  ],
);

/** Rows behind the FTS5 index `search_fts` (external content); kept in sync by triggers. */
export const searchDocs = sqliteTable(
  "search_docs",
  {
    rowid: integer("rowid").primaryKey({ autoIncrement: true }),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull().unique(),
    customerId: text("customer_id"),
    title: text("title").notNull(),
    subtitle: text("subtitle").notNull(),
    keywords: text("keywords").notNull(),
  },
  (t) => [index("search_docs_customer_idx").on(t.customerId)],
);

export const settings = sqliteTable("settings", {
  id: text("id").primaryKey(),
  data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    principal: text("principal").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    requestHash: text("request_hash").notNull(),
    statusCode: integer("status_code"),
    responseBody: text("response_body"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principal, t.key] }), index("idempotency_created_idx").on(t.createdAt)],
);

/** A file attached to an email: where it is kept (`invoice_files` = the INVOICE_FILES bucket) and how it is named. */
export type EmailAttachment = { store: "invoice_files"; key: string; filename: string; content_type: string };

/** Emails are rows first, sent by the worker through Mailjet with retries, so an outage loses nothing. */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    template: text("template").notNull(),
    toEmail: text("to_email").notNull(),
    toName: text("to_name"),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body").notNull(),
    status: text("status", { enum: ["pending", "sending", "sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: text("next_attempt_at").notNull(),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    createdAt: text("created_at").notNull(),
    sentAt: text("sent_at"),
    /** Files sent with the email, by reference (an R2 key): read when the email is sent, never copied into D1. */
    attachments: text("attachments", { mode: "json" }).$type<EmailAttachment[]>(),
  },
  (t) => [index("email_outbox_due_idx").on(t.status, t.nextAttemptAt), index("email_outbox_created_idx").on(t.createdAt, t.id)],
);

/** SMS waiting for (or sent through) the operator's HTTP SMS gateway; written with the change that causes them. */
export const smsOutbox = sqliteTable(
  "sms_outbox",
  {
    id: text("id").primaryKey(),
    template: text("template").notNull(),
    toPhone: text("to_phone").notNull(),
    text: text("text").notNull(),
    status: text("status", { enum: ["pending", "sending", "sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: text("next_attempt_at").notNull(),
    providerMessageId: text("provider_message_id"),
    lastError: text("last_error"),
    createdAt: text("created_at").notNull(),
    sentAt: text("sent_at"),
  },
  (t) => [index("sms_outbox_due_idx").on(t.status, t.nextAttemptAt)],
);
