/**
 * Outbound webhooks. Events come from a trigger on the activity log (same transaction as the change);
 * the minute cron dispatches them (one delivery per subscribed endpoint, the payload fixed once) and
 * sends due deliveries, signed like Stripe's (`OpenBSS-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
 * "t.body">` with the endpoint's secret), retried with backoff, logged, and replayable.
 */
import { desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { prepared } from "../../db/client";
import { getCustomer } from "../../db/queries/customers";
import { getInvoice } from "../../db/queries/invoices";
import { getService } from "../../db/queries/services";
import { webhookDeliveries, webhookEndpoints } from "../../db/schema";
import { randomToken } from "../../lib/crypto";
import { NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { open, seal } from "../../lib/secret-box";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { getPayment } from "../payments/payments";
import { optionalText } from "../validation";

export const WEBHOOK_EVENT_TYPES = [
  "customer.created",
  "invoice.issued",
  "invoice.voided",
  "payment.succeeded",
  "payment.failed",
  "payment.refunded",
  "service.activated",
  "service.failed",
  "service.suspended",
  "service.resumed",
  "service.terminated",
] as const;

/** Waits after each failed attempt (seconds); after the last, the delivery is failed (replayable). */
export const DELIVERY_BACKOFF_S = [60, 300, 1800, 7200, 21_600, 43_200, 86_400];

const webhookUrl = z
  .string()
  .trim()
  .max(500)
  .refine(
    (u) => {
      try {
        const url = new URL(u);
        return url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname));
      } catch {
        return false;
      }
    },
    { message: "An https:// URL (http:// only for 127.0.0.1 or localhost)" },
  );

const eventList = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { message: `One of ${WEBHOOK_EVENT_TYPES.join(", ")}` }))
  .min(1, { message: "At least one event type" })
  .max(WEBHOOK_EVENT_TYPES.length)
  .transform((list) => [...new Set(list)]);

export const WebhookEndpointCreate = z
  .strictObject({ url: webhookUrl, events: eventList, description: optionalText(200) })
  .meta({ id: "WebhookEndpointCreate" });
export const WebhookEndpointPatch = z
  .strictObject({ url: webhookUrl.optional(), events: eventList.optional(), description: optionalText(200), status: z.enum(["active", "disabled"]).optional() })
  .meta({ id: "WebhookEndpointPatch" });

export const WebhookEndpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()),
    status: z.enum(["active", "disabled"]),
    created_at: z.string(),
    secret: z.string().optional().meta({ description: "The signing secret: only in the answer to its creation" }),
  })
  .meta({ id: "WebhookEndpoint" });

export const WebhookDelivery = z
  .object({
    id: z.string(),
    endpoint_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    replay_of: z.string().nullable(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDeliveryView = z.infer<typeof WebhookDelivery>;

type EndpointRow = typeof webhookEndpoints.$inferSelect;

function view(r: EndpointRow) {
  return { id: r.id, url: r.url, description: r.description, events: r.events, status: r.status, created_at: r.createdAt };
}

export async function listEndpoints(db: Db) {
  return (await db.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.id))).map(view);
}

export async function getEndpoint(db: Db, id: string) {
  const row = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
  return row ? view(row) : null;
}

/** Creates an endpoint; its signing secret is returned this once and kept sealed. */
export async function createEndpoint(ctx: WriteContext, key: string, input: z.infer<typeof WebhookEndpointCreate>) {
  const secret = `whsec_${randomToken(24)}`;
  const row: EndpointRow = {
    id: `whe_${ulid()}`,
    url: input.url,
    description: input.description ?? null,
    events: input.events,
    secretSealed: await seal(key, secret),
    status: "active",
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const d1 = ctx.db.$client;
  await d1.batch([
    prepared(d1, ctx.db.insert(webhookEndpoints).values(row)),
    prepared(d1, recordActivity(ctx, { entity: "webhook_endpoint", entityId: row.id, customerId: null, action: "webhook_endpoint.create", after: view(row) })),
  ]);
  return { ...view(row), secret };
}

export async function updateEndpoint(ctx: WriteContext, id: string, patch: z.infer<typeof WebhookEndpointPatch>) {
  const before = await ctx.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
  if (!before) throw new NotFound("No webhook endpoint with this id.");
  const next = {
    url: patch.url ?? before.url,
    events: patch.events ?? before.events,
    description: patch.description === undefined ? before.description : patch.description,
    status: patch.status ?? before.status,
    updatedAt: ctx.now,
  };
  const d1 = ctx.db.$client;
  await d1.batch([
    prepared(d1, ctx.db.update(webhookEndpoints).set(next).where(eq(webhookEndpoints.id, id))),
    prepared(
      d1,
      recordActivity(ctx, {
        entity: "webhook_endpoint",
        entityId: id,
        customerId: null,
        action: "webhook_endpoint.update",
        before: view(before),
        after: view({ ...before, ...next }),
      }),
    ),
  ]);
  return (await getEndpoint(ctx.db, id)) as ReturnType<typeof view>;
}

export async function deleteEndpoint(ctx: WriteContext, id: string) {
  const before = await ctx.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
  if (!before) throw new NotFound("No webhook endpoint with this id.");
  const d1 = ctx.db.$client;
  await d1.batch([
    d1
      .prepare(
        "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'endpoint deleted' WHERE endpoint_id = ?1 AND status = 'pending'",
      )
      .bind(id),
    d1.prepare("DELETE FROM webhook_endpoints WHERE id = ?1").bind(id),
    prepared(d1, recordActivity(ctx, { entity: "webhook_endpoint", entityId: id, customerId: null, action: "webhook_endpoint.delete", before: view(before) })),
  ]);
}

const deliverySelect = `SELECT d.*, e.type AS event_type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id`;

function deliveryView(r: Record<string, unknown>): WebhookDeliveryView {
  return {
    id: String(r.id),
    endpoint_id: String(r.endpoint_id),
    event_id: String(r.event_id),
    event_type: String(r.event_type),
    replay_of: (r.replay_of as string | null) ?? null,
    status: r.status as WebhookDeliveryView["status"],
    attempts: Number(r.attempts),
    next_attempt_at: (r.next_attempt_at as string | null) ?? null,
    last_status_code: (r.last_status_code as number | null) ?? null,
    last_error: (r.last_error as string | null) ?? null,
    delivered_at: (r.delivered_at as string | null) ?? null,
    created_at: String(r.created_at),
  };
}

export async function listDeliveries(db: Db, endpointId: string, limit: number, cursor?: string) {
  const { results } = await db.$client
    .prepare(`${deliverySelect} WHERE d.endpoint_id = ?1 AND (?2 IS NULL OR d.id < ?2) ORDER BY d.id DESC LIMIT ?3`)
    .bind(endpointId, cursor ?? null, limit + 1)
    .all<Record<string, unknown>>();
  const page = results.slice(0, limit).map(deliveryView);
  return { data: page, next_cursor: results.length > limit ? (page.at(-1)?.id ?? null) : null };
}

/** Sends an event to an endpoint again: a new delivery (the same body), due now. */
export async function replayDelivery(ctx: WriteContext, id: string) {
  const original = await ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
  if (!original) throw new NotFound("No webhook delivery with this id.");
  const replay = `whd_${ulid()}`;
  const d1 = ctx.db.$client;
  await d1.batch([
    d1
      .prepare(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, replay_of, status, attempts, next_attempt_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?5, ?5)",
      )
      .bind(replay, original.endpointId, original.eventId, original.id, ctx.now),
    prepared(
      d1,
      recordActivity(ctx, {
        entity: "webhook_endpoint",
        entityId: original.endpointId,
        customerId: null,
        action: "webhook_delivery.replay",
        after: { delivery: replay, of: id },
      }),
    ),
  ]);
  const { results } = await d1.prepare(`${deliverySelect} WHERE d.id = ?1`).bind(replay).all<Record<string, unknown>>();
  return deliveryView(results[0] ?? {});
}

/** The object an event is about, as the API shows it (fixed at dispatch). */
async function objectOf(db: Db, entity: string, id: string): Promise<unknown> {
  if (entity === "invoice") return getInvoice(db, id);
  if (entity === "payment") return getPayment(db, id);
  if (entity === "service") return getService(db, id);
  if (entity === "customer") return getCustomer(db, id);
  return { id };
}

/** Gives each new event its payload and a delivery per active endpoint subscribed to its type. */
export async function dispatchEvents(ctx: WriteContext, limit = 50): Promise<{ events: number; deliveries: number }> {
  const d1 = ctx.db.$client;
  const { results } = await d1
    .prepare("SELECT id, type, entity, entity_id, customer_id, created_at FROM webhook_events WHERE dispatched_at IS NULL ORDER BY id LIMIT ?1")
    .bind(limit)
    .all<{ id: string; type: string; entity: string; entity_id: string; customer_id: string | null; created_at: string }>();
  if (results.length === 0) return { events: 0, deliveries: 0 };
  const endpoints = (await ctx.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.status, "active"))).map(view);
  let deliveries = 0;
  for (const e of results) {
    const payload = JSON.stringify({
      id: e.id,
      object: "event",
      type: e.type,
      created: Math.floor(Date.parse(e.created_at) / 1000),
      customer_id: e.customer_id,
      data: { object: await objectOf(ctx.db, e.entity, e.entity_id) },
    });
    const targets = endpoints.filter((x) => x.events.includes(e.type));
    deliveries += targets.length;
    await d1.batch([
      d1.prepare("UPDATE webhook_events SET payload = coalesce(payload, ?2), dispatched_at = ?3 WHERE id = ?1").bind(e.id, payload, ctx.now),
      ...targets.map((t) =>
        d1
          .prepare(
            "INSERT OR IGNORE INTO webhook_deliveries (id, endpoint_id, event_id, replay_of, status, attempts, next_attempt_at, created_at, updated_at) VALUES (?1, ?2, ?3, NULL, 'pending', 0, ?4, ?4, ?4)",
          )
          .bind(`whd_${ulid()}`, t.id, e.id, ctx.now),
      ),
    ]);
  }
  return { events: results.length, deliveries };
}

/** The `OpenBSS-Signature` header of a body sent at `t` (unix seconds). */
export async function signatureHeader(secret: string, body: string, t: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${body}`)));
  return `t=${t},v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Sends the deliveries that are due; a 2xx within 10 s is delivered, anything else is retried later. */
export async function sendDueDeliveries(ctx: WriteContext, key: string, limit = 20, fetcher: typeof fetch = fetch) {
  const d1 = ctx.db.$client;
  const { results } = await d1
    .prepare(
      `SELECT d.id, d.attempts, w.url, w.secret_sealed, e.payload FROM webhook_deliveries d
       JOIN webhook_endpoints w ON w.id = d.endpoint_id JOIN webhook_events e ON e.id = d.event_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND w.status = 'active' AND e.payload IS NOT NULL ORDER BY d.next_attempt_at LIMIT ?2`,
    )
    .bind(ctx.now, limit)
    .all<{ id: string; attempts: number; url: string; secret_sealed: string; payload: string }>();
  let sent = 0;
  let failed = 0;
  for (const d of results) {
    const secret = await open(key, d.secret_sealed);
    let code: number | null = null;
    let error: string | null = null;
    try {
      if (!secret) throw new Error("The endpoint's secret cannot be opened (ENCRYPTION_KEY changed?)");
      const t = Math.floor(Date.parse(ctx.now) / 1000);
      const res = await fetcher(d.url, {
        method: "POST",
        headers: { "content-type": "application/json", "openbss-signature": await signatureHeader(secret, d.payload, t), "user-agent": "OpenBSS-Webhooks/1" },
        body: d.payload,
        signal: AbortSignal.timeout(10_000),
        redirect: "manual",
      });
      code = res.status;
      await res.body?.cancel();
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? e.message.slice(0, 300) : String(e);
    }
    const attempts = d.attempts + 1;
    if (!error) {
      await d1
        .prepare(
          "UPDATE webhook_deliveries SET status = 'succeeded', attempts = ?2, last_status_code = ?3, last_error = NULL, delivered_at = ?4, next_attempt_at = NULL, updated_at = ?4 WHERE id = ?1",
        )
        .bind(d.id, attempts, code, ctx.now)
        .run();
      sent++;
      continue;
    }
    const wait = DELIVERY_BACKOFF_S[attempts - 1];
    await d1
      .prepare(
        "UPDATE webhook_deliveries SET status = ?2, attempts = ?3, last_status_code = ?4, last_error = ?5, next_attempt_at = ?6, updated_at = ?7 WHERE id = ?1",
      )
      .bind(
        d.id,
        wait === undefined ? "failed" : "pending",
        attempts,
        code,
        error,
        wait === undefined ? null : new Date(Date.parse(ctx.now) + wait * 1000).toISOString(),
        ctx.now,
      )
      .run();
    failed++;
  }
  return { sent, failed };
}
