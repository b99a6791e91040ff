/**
 * Outbound webhooks for integrators: endpoints subscribed to event types, the events (made by a
 * trigger on the activity log, in the same transaction as the change they report) and one delivery
 * per endpoint and event, sent from this outbox with retries and a log that can be replayed.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "./columns";

export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  description: text("description"),
  /** Event types it receives (`invoice.issued`, …). */
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  /** The signing secret, sealed with ENCRYPTION_KEY (shown once, at creation). */
  secretSealed: text("secret_sealed").notNull(),
  status: text("status", { enum: ["active", "disabled"] }).notNull(),
  ...timestamps,
});

/** A business event for integrators; `payload` is fixed at first dispatch, so replays send the same body. */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    activityId: text("activity_id").notNull(),
    entity: text("entity").notNull(),
    entityId: text("entity_id").notNull(),
    customerId: text("customer_id"),
    payload: text("payload"),
    createdAt: text("created_at").notNull(),
    dispatchedAt: text("dispatched_at"),
  },
  (t) => [uniqueIndex("webhook_events_activity_unique").on(t.activityId), index("webhook_events_dispatch_idx").on(t.dispatchedAt, t.id)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull(),
    eventId: text("event_id").notNull(),
    /** A delivery made by replaying another one. */
    replayOf: text("replay_of"),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: text("next_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    deliveredAt: text("delivered_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("webhook_deliveries_once").on(t.endpointId, t.eventId).where(sql`${t.replayOf} IS NULL`),
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.id),
  ],
);
