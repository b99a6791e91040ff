/**
 * Stripe through the official SDK: its fetch HTTP client (Workers have no Node http) pointed at
 * `STRIPE_API_BASE` (api.stripe.com, or the simulator), and webhook signatures checked with Web
 * Crypto. INTEGRATIONS.md: every POST carries an Idempotency-Key; events arrive late, twice or out
 * of order.
 */
import Stripe from "stripe";
import { Unavailable } from "../lib/errors";

export type StripeEnv = { STRIPE_API_BASE?: string; STRIPE_SECRET_KEY?: string; STRIPE_WEBHOOK_SECRET?: string; STRIPE_MAX_RETRIES?: string };

/** Webhook signatures older than this are refused (Stripe's default tolerance). */
export const SIGNATURE_TOLERANCE_S = 300;

/** A Stripe client for the configured API base and key, or null when no key is set. */
export function stripeClient(env: StripeEnv): Stripe | null {
  if (!env.STRIPE_SECRET_KEY) return null;
  const base = new URL(env.STRIPE_API_BASE || "https://api.stripe.com");
  const protocol = base.protocol === "http:" ? "http" : "https";
  return new Stripe(env.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    host: base.hostname,
    port: Number(base.port) || (protocol === "http" ? 80 : 443),
    protocol,
    // The SDK retries a failed call with the same Idempotency-Key (never a second charge).
    maxNetworkRetries: env.STRIPE_MAX_RETRIES === undefined ? 2 : Number(env.STRIPE_MAX_RETRIES),
    timeout: 20_000,
  });
}

/** Why a webhook delivery was refused. */
export class WebhookSignatureError extends Error {
  override readonly name = "WebhookSignatureError";
}

const crypto = Stripe.createSubtleCryptoProvider();

/**
 * The event a webhook delivery carries, once its `Stripe-Signature` (HMAC-SHA256 of "t.body" with
 * the endpoint secret, at most 5 minutes old) is verified; `WebhookSignatureError` otherwise.
 */
export async function verifyStripeEvent(secret: string, rawBody: string, signature: string | undefined, now = Date.now()): Promise<Stripe.Event> {
  if (!signature) throw new WebhookSignatureError("No Stripe-Signature header.");
  try {
    // The SDK's check, with our clock in milliseconds (the SDK divides it by 1000).
    return await Stripe.webhooks.constructEventAsync(rawBody, signature, secret, SIGNATURE_TOLERANCE_S, crypto, now);
  } catch (error) {
    throw new WebhookSignatureError(error instanceof Error ? error.message : "The signature does not match.");
  }
}

/** The Stripe client, or a 503 problem saying payments by card are not configured here. */
export function requireStripe(env: StripeEnv): Stripe {
  const stripe = stripeClient(env);
  if (!stripe) throw new Unavailable("Card payments are not configured here (no STRIPE_SECRET_KEY).");
  return stripe;
}

/**
 * What a failed Stripe call means for a payment: `declined` (the bank said no: a final answer, with
 * its code) or `unknown` (network, timeout, Stripe 5xx: the charge may or may not exist, so only
 * asking Stripe later can tell). Anything else (a bad request) is our bug and is rethrown.
 */
export function classifyStripeError(
  error: unknown,
): { kind: "declined"; code: string; message: string; paymentIntentId: string | null } | { kind: "unknown"; message: string } {
  if (error instanceof Stripe.errors.StripeCardError) {
    const raw = error.raw as { payment_intent?: { id?: string }; decline_code?: string };
    return {
      kind: "declined",
      code: raw.decline_code ?? error.code ?? "card_declined",
      message: error.message,
      paymentIntentId: raw.payment_intent?.id ?? null,
    };
  }
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 0) >= 500)
  )
    return { kind: "unknown", message: error.message };
  throw error;
}
