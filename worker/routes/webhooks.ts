import { Hono } from "hono";
import { prepared } from "../db/client";
import { abortUnlessChanged, isGuardAbort } from "../db/guard";
import { recordActivity } from "../domain/activity/record";
import { applyStripeEvent } from "../domain/payments/events";
import type { AppEnv } from "../env";
import { paymentDeps } from "../integrations/payments";
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
  // Each event id once: a repeated delivery of an event already applied is acknowledged (200) and
  // writes nothing; one recorded but not applied (the first attempt failed) is applied now.
  let duplicate = false;
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
          { db: c.get("db"), actor: STRIPE_ACTOR, requestId: c.get("requestId") ?? null, now },
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
    if (!isGuardAbort(error)) throw error;
    duplicate = true;
    const seen = await d1.prepare("SELECT processed_at FROM stripe_events WHERE id = ?1").bind(event.id).first<{ processed_at: string | null }>();
    if (seen?.processed_at) return c.json({ received: true, duplicate: true }, 200);
  }
  // Applied by converging on the object's latest state at Stripe: order and repetition do not matter.
  // A failure answers 500, and Stripe delivers the event again later.
  const ctx = { db: c.get("db"), actor: STRIPE_ACTOR, requestId: c.get("requestId") ?? null, now };
  const outcome = await applyStripeEvent(ctx, paymentDeps(c.env, new URL(c.req.url).origin), event);
  await d1.prepare("UPDATE stripe_events SET processed_at = ?2 WHERE id = ?1 AND processed_at IS NULL").bind(event.id, new Date().toISOString()).run();
  return c.json({ received: true, duplicate, outcome }, 200);
});

const STRIPE_ACTOR = { type: "system" as const, id: null, label: "stripe" };
