import { Hono } from "hono";
import { prepared } from "../db/client";
import { abortUnlessChanged, isGuardAbort } from "../db/guard";
import { recordActivity } from "../domain/activity/record";
import type { AppEnv } from "../env";
import { verifyStripeEvent, WebhookSignatureError } from "../integrations/stripe";
import { BadRequest, NotFound } from "../lib/errors";
import { can } from "../middleware/access";

/**
 * Inbound webhooks. Their authentication is the sender's signature, checked before anything is read
 * or written: a forged, altered or stale (over 5 minutes) delivery is a 400 and changes nothing.
 */
export const webhooks = new Hono<AppEnv>().post("/webhooks/stripe", can("public"), async (c) => {
  const secret = c.env.STRIPE_WEBHOOK_SECRET;
  // Not configured: as if the endpoint did not exist (Stripe retries a non-2xx delivery later).
  if (!secret) throw new NotFound("Stripe webhooks are not configured here (STRIPE_WEBHOOK_SECRET).");
  const raw = await c.req.text();
  let event: Awaited<ReturnType<typeof verifyStripeEvent>>;
  try {
    event = await verifyStripeEvent(secret, raw, c.req.header("stripe-signature"));
  } catch (error) {
    if (error instanceof WebhookSignatureError) throw new BadRequest(`Stripe signature refused: ${error.message}`);
    throw error;
  }
  const objectId = (event.data.object as { id?: unknown }).id;
  const now = new Date().toISOString();
  const d1 = c.env.DB;
  // Each event id once: a repeated delivery is acknowledged (200) and writes nothing.
  try {
    await d1.batch([
      d1
        .prepare(
          "INSERT OR IGNORE INTO stripe_events (id, type, object_id, created, livemode, payload, received_at, processed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
        )
        .bind(event.id, event.type, typeof objectId === "string" ? objectId : null, event.created, event.livemode ? 1 : 0, raw, now),
      abortUnlessChanged(d1),
      prepared(
        d1,
        recordActivity(
          { db: c.get("db"), actor: { type: "system", id: null, label: "stripe" }, requestId: c.get("requestId") ?? null, now },
          {
            entity: "stripe_event",
            entityId: event.id,
            customerId: null,
            action: "stripe.event_received",
            after: { type: event.type, object_id: objectId ?? null },
          },
        ),
      ),
    ]);
  } catch (error) {
    if (isGuardAbort(error)) return c.json({ received: true, duplicate: true }, 200);
    throw error;
  }
  return c.json({ received: true, duplicate: false }, 200);
});
