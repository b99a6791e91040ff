/** Cell broadcast alerts (CAP 1.2) and their per-language messages. */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "./columns";
import { users } from "./identity";

/**
 * One alert. The CAP document (`cap`, as JSON) is the alert as received or as built from the form:
 * the export is made from it. The columns beside it are what lists, approval and dispatch need.
 */
export const broadcasts = sqliteTable(
  "broadcasts",
  {
    id: text("id").primaryKey(),
    /** The CAP identifier (ours when made from the form). */
    identifier: text("identifier").notNull(),
    sender: text("sender").notNull(),
    status: text("status", { enum: ["draft", "submitted", "approved", "broadcasting", "completed", "cancelled", "expired"] }).notNull(),
    /** CAP status: Actual, or an exercise / test shown as such everywhere. */
    capStatus: text("cap_status", { enum: ["Actual", "Exercise", "Test"] }).notNull(),
    event: text("event").notNull(),
    category: text("category").notNull(),
    urgency: text("urgency").notNull(),
    severity: text("severity").notNull(),
    certainty: text("certainty").notNull(),
    /** The 3GPP message identifier of the primary language (additional languages use their own, per message). */
    messageId: integer("message_id").notNull(),
    messageIdOverridden: integer("message_id_overridden", { mode: "boolean" }).notNull(),
    area: text("area", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    targetCells: text("target_cells", { mode: "json" }).$type<string[]>().notNull(),
    plmns: text("plmns", { mode: "json" }).$type<{ mcc: string; mnc: string }[]>().notNull(),
    repetitionPeriod: integer("repetition_period").notNull(),
    numOfBcast: integer("num_of_bcast").notNull(),
    /** Serial number parts (TS 23.041): the message code stays, the update number counts CAP Updates (0–15). */
    msgCode: integer("msg_code").notNull(),
    updateNr: integer("update_nr").notNull(),
    expiresAt: text("expires_at").notNull(),
    cap: text("cap", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    authorId: text("author_id").references(() => users.id),
    authorLabel: text("author_label").notNull(),
    approverId: text("approver_id").references(() => users.id),
    approverLabel: text("approver_label"),
    submittedAt: text("submitted_at"),
    approvedAt: text("approved_at"),
    cancelledAt: text("cancelled_at"),
    cancelReason: text("cancel_reason"),
    /** A CAP Update: the alert it replaces (same message code, update number + 1). */
    supersedesId: text("supersedes_id"),
    /** The template a broadcaster started from (audit). */
    templateId: text("template_id"),
    /** When the CBC last reported the alert's cells (runner's VTY read). */
    resultsAt: text("results_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("broadcasts_identifier_unique").on(t.sender, t.identifier),
    index("broadcasts_status_idx").on(t.status, t.id),
    index("broadcasts_expiry_idx").on(t.status, t.expiresAt),
  ],
);

export const broadcastMessages = sqliteTable(
  "broadcast_messages",
  {
    id: text("id").primaryKey(),
    broadcastId: text("broadcast_id")
      .notNull()
      .references(() => broadcasts.id),
    language: text("language").notNull(),
    text: text("text").notNull(),
    encoding: text("encoding", { enum: ["gsm7", "ucs2"] }).notNull(),
    pages: integer("pages").notNull(),
    messageId: integer("message_id").notNull(),
  },
  (t) => [index("broadcast_messages_broadcast_idx").on(t.broadcastId)],
);

/**
 * What the CBC reported for one cell of one message (osmo-cbc `show message id`, read by the runner):
 * installed or failed (with the CBSP cause), and broadcasts completed so far. One row per message,
 * peer and cell, replaced by each newer report.
 */
export const broadcastCellResults = sqliteTable(
  "broadcast_cell_results",
  {
    broadcastId: text("broadcast_id")
      .notNull()
      .references(() => broadcasts.id),
    messageId: integer("message_id").notNull(),
    peer: text("peer").notNull(),
    cell: text("cell").notNull(),
    result: text("result", { enum: ["installed", "failed"] }).notNull(),
    cause: integer("cause"),
    completed: integer("completed"),
    /** Broadcasts asked of the cell (0: until stopped). */
    requested: integer("requested"),
    reportedAt: text("reported_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.broadcastId, t.messageId, t.peer, t.cell] })],
);

/**
 * A pre-approved alert template (e.g. the monthly test), written by someone who may approve alerts:
 * a broadcaster starts from it and fills in the `{{placeholders}}` of its texts and the area.
 */
export const broadcastTemplates = sqliteTable(
  "broadcast_templates",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    /** The alert fields it sets (BroadcastCreate without area and expiry) and its validity in minutes. */
    body: text("body", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    authorLabel: text("author_label").notNull(),
    archivedAt: text("archived_at"),
    ...timestamps,
  },
  (t) => [uniqueIndex("broadcast_templates_name_unique").on(t.name)],
);
