import { createHmac } from "node:crypto";
import { newId, type StripeEvent, unixNow } from "./objects";

/**
 * Events and their delivery to one webhook endpoint, as Stripe does it: `POST` of the event JSON with
 * `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (a fresh timestamp on every
 * attempt), each event on its own, retried after each non-2xx answer (or no answer within
 * `timeoutMs`) after `retryDelaysMs[n]`, then given up. Controls model what Stripe does not promise:
 * `duplicate` delivers each event twice, `paused` holds deliveries, `reorder` holds them and `flush`
 * sends them newest first.
 */
export type Attempt = { at: string; status: number | null; error: string | null; ms: number };
export type Delivery = { state: "held" | "sending" | "retrying" | "succeeded" | "failed"; attempts: Attempt[] };
export type WebhookOptions = { url?: string | null; secret: string; retryDelaysMs: number[]; timeoutMs: number; apiVersion: string };
export type WebhookMode = { url: string | null; paused: boolean; reorder: boolean; duplicate: boolean };

export class Webhooks {
  events: { event: StripeEvent; deliveries: Delivery[] }[] = [];
  mode: WebhookMode;
  private held: { event: StripeEvent; delivery: Delivery }[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private inFlight = new Set<AbortController>();
  /** Bumped by reset: an attempt that started before it records nothing and schedules no retry. */
  private generation = 0;

  constructor(private readonly options: WebhookOptions) {
    this.mode = { url: options.url ?? null, paused: false, reorder: false, duplicate: false };
  }

  /** Records an event (data.object is the object as it is now) and starts its delivery. */
  emit(type: string, object: unknown, request: { id: string | null; idempotency_key: string | null }, previous?: Record<string, unknown>): StripeEvent {
    const event: StripeEvent = {
      id: newId("evt"),
      object: "event",
      api_version: this.options.apiVersion,
      created: unixNow(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: structuredClone(previous) } : {}) },
      livemode: false,
      pending_webhooks: this.mode.url ? 1 : 0,
      request,
      type,
    };
    const entry = { event, deliveries: [] as Delivery[] };
    this.events.push(entry);
    if (this.mode.url) {
      for (let copy = 0; copy < (this.mode.duplicate ? 2 : 1); copy++) {
        const delivery: Delivery = { state: "held", attempts: [] };
        entry.deliveries.push(delivery);
        if (this.mode.paused || this.mode.reorder) this.held.push({ event, delivery });
        else this.later(0, () => this.attempt(event, delivery));
      }
    }
    return event;
  }

  /** Whether the endpoint has acknowledged the event. */
  delivered(eventId: string): boolean {
    return Boolean(this.events.find((e) => e.event.id === eventId)?.deliveries.some((d) => d.state === "succeeded"));
  }

  /** `pending_webhooks`: 1 while the event was meant for the endpoint and it has not acknowledged it. */
  pending(eventId: string): number {
    const entry = this.events.find((e) => e.event.id === eventId);
    return entry && entry.deliveries.length > 0 && !this.delivered(eventId) ? 1 : 0;
  }

  /** Changes the delivery mode; leaving paused/reorder releases what was held. */
  configure(change: Partial<WebhookMode>): WebhookMode {
    this.mode = { ...this.mode, ...change };
    if (!this.mode.paused && !this.mode.reorder) void this.flush();
    return this.mode;
  }

  /** Sends the held deliveries, one after the other (newest first in reorder mode); their retries follow the schedule. */
  async flush(): Promise<string[]> {
    const batch = this.mode.reorder ? this.held.reverse() : this.held;
    this.held = [];
    for (const { event, delivery } of batch) await this.attempt(event, delivery);
    return batch.map((b) => b.event.id);
  }

  /** One more delivery of an event now, whatever the mode (Stripe's "Resend"); answers its attempt. */
  async deliver(eventId: string): Promise<Attempt | null> {
    const entry = this.events.find((e) => e.event.id === eventId);
    if (!entry || !this.mode.url) return null;
    const delivery: Delivery = { state: "sending", attempts: [] };
    entry.deliveries.push(delivery);
    await this.attempt(entry.event, delivery, false);
    return delivery.attempts[0] ?? null;
  }

  /** The `Stripe-Signature` header Stripe would send for this body at time t. */
  sign(body: string, t = unixNow()): string {
    return `t=${t},v1=${createHmac("sha256", this.options.secret).update(`${t}.${body}`).digest("hex")}`;
  }

  private later(ms: number, run: () => Promise<unknown>) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, ms);
    this.timers.add(timer);
  }

  private async attempt(event: StripeEvent, delivery: Delivery, retry = true): Promise<void> {
    const url = this.mode.url;
    const generation = this.generation;
    if (!url) return;
    delivery.state = "sending";
    const body = JSON.stringify({ ...event, pending_webhooks: this.pending(event.id) }, null, 2);
    const started = Date.now();
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), this.options.timeoutMs);
    this.inFlight.add(abort);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Stripe-Signature": this.sign(body),
        },
        body,
        signal: abort.signal,
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (e) {
      error = abort.signal.aborted ? `no answer within ${this.options.timeoutMs} ms` : e instanceof Error ? e.message : String(e);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(abort);
    }
    if (generation !== this.generation) return;
    delivery.attempts.push({ at: new Date(started).toISOString(), status, error, ms: Date.now() - started });
    if (status !== null && status >= 200 && status < 300) delivery.state = "succeeded";
    else if (retry && delivery.attempts.length <= this.options.retryDelaysMs.length) {
      delivery.state = "retrying";
      this.later(this.options.retryDelaysMs[delivery.attempts.length - 1] ?? 0, () => this.attempt(event, delivery));
    } else delivery.state = "failed";
  }

  /** Stops every timer and in-flight delivery (reset and shutdown). */
  stop(): void {
    this.generation++;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const abort of this.inFlight) abort.abort();
    this.inFlight.clear();
    this.held = [];
  }

  reset(url: string | null): void {
    this.stop();
    this.events = [];
    this.mode = { url, paused: false, reorder: false, duplicate: false };
  }
}
