import {
  type Charge,
  type Customer,
  DECLINE_MESSAGES,
  listOf,
  type PaymentIntent,
  type PaymentMethod,
  paymentMethodFor,
  type Refund,
  type SetupIntent,
  TEST_CARDS,
  type TestCard,
} from "./objects";
import { invalid, type Params, type Spec, StripeFailure } from "./params";
import type { Webhooks } from "./webhooks";

/** Who asked: the request id and idempotency key that events record (`event.request`). */
export type RequestRef = { id: string | null; idempotency_key: string | null };

const NAMES: Record<string, string> = {
  cus: "customer",
  pm: "PaymentMethod",
  seti: "setupintent",
  pi: "payment_intent",
  ch: "charge",
  re: "refund",
  evt: "event",
};

/** What `expand[]` may name on each object, and the kind of object it becomes (Stripe's expandable fields). */
const EXPANDABLE: Record<string, Record<string, string>> = {
  customer: { "invoice_settings.default_payment_method": "payment_method" },
  payment_method: { customer: "customer" },
  setup_intent: { customer: "customer", payment_method: "payment_method" },
  payment_intent: { customer: "customer", latest_charge: "charge", payment_method: "payment_method" },
  charge: { customer: "customer", payment_intent: "payment_intent", refunds: "list:refund" },
  refund: { charge: "charge", payment_intent: "payment_intent" },
  event: {},
};

type Json = Record<string, unknown>;

/** One API call as a handler sees it: validated parameters, the id in the path, who asked. */
export type Call = { state: StripeState; p: Params; id: string; request: RequestRef };
/** An endpoint: its parameters (Stripe's, the unmodelled ones marked), what it answers (for `expand[]`), what it does. */
export type Route = { method: "GET" | "POST"; path: string; spec: Spec; required?: string[]; returns: string; run: (call: Call) => unknown };

/** Everything the simulated account holds. */
export class StripeState {
  customers = new Map<string, Customer>();
  paymentMethods = new Map<string, PaymentMethod>();
  /** How each PaymentMethod's card behaves (the test card it was made from). */
  cards = new Map<string, TestCard>();
  /** PaymentMethods Stripe will not take again: used once without a customer, or detached. */
  consumed = new Set<string>();
  setupIntents = new Map<string, SetupIntent>();
  paymentIntents = new Map<string, PaymentIntent>();
  charges = new Map<string, Charge>();
  refunds = new Map<string, Refund>();

  constructor(readonly webhooks: Webhooks) {}

  reset(): void {
    for (const map of [this.customers, this.paymentMethods, this.cards, this.setupIntents, this.paymentIntents, this.charges, this.refunds]) map.clear();
    this.consumed.clear();
  }

  snapshot() {
    return {
      customers: [...this.customers.values()],
      payment_methods: [...this.paymentMethods.values()],
      setup_intents: [...this.setupIntents.values()],
      payment_intents: [...this.paymentIntents.values()],
      charges: [...this.charges.values()],
      refunds: [...this.refunds.values()],
      events: this.webhooks.events.map(({ event, deliveries }) => ({ ...event, pending_webhooks: this.webhooks.pending(event.id), deliveries })),
      webhooks: this.webhooks.mode,
    };
  }

  /**
   * An object by id, or Stripe's `resource_missing`: 404 naming `id` for an id in the path, 400 naming
   * the parameter for an id sent as one.
   */
  find<T>(map: Map<string, T>, id: string, param?: string): T {
    const found = map.get(id);
    if (found) return found;
    const name = NAMES[id.split("_")[0] ?? ""] ?? "object";
    throw new StripeFailure(param ? 400 : 404, {
      type: "invalid_request_error",
      code: "resource_missing",
      message: `No such ${name}: '${id}'`,
      param: param ?? "id",
    });
  }

  /** Any stored object by its id prefix (for expansion). */
  lookup(id: string): unknown {
    for (const map of [this.customers, this.paymentMethods, this.setupIntents, this.paymentIntents, this.charges, this.refunds] as Map<string, unknown>[]) {
      const found = map.get(id);
      if (found) return found;
    }
    return id;
  }

  /** A PaymentMethod a request names: a test id makes a new one as Stripe does; a used-up one is refused. */
  paymentMethod(id: string, param = "payment_method"): PaymentMethod {
    const test = TEST_CARDS[id];
    if (test) {
      const pm = paymentMethodFor(test);
      this.paymentMethods.set(pm.id, pm);
      this.cards.set(pm.id, test);
      return pm;
    }
    const pm = this.find(this.paymentMethods, id, param);
    if (this.consumed.has(id))
      throw invalid(
        "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.",
        param,
      );
    return pm;
  }

  card(pm: PaymentMethod): TestCard {
    return this.cards.get(pm.id) ?? { brand: pm.card.brand, last4: pm.card.last4 };
  }

  /** Attaches a PaymentMethod to a customer; cards Stripe declines on its setup check are refused with 402. */
  attach(pm: PaymentMethod, customer: Customer, request: RequestRef): void {
    if (pm.customer) throw invalid("The payment method you provided has already been attached to a customer.", "payment_method");
    const card = this.card(pm);
    if (card.declinesSetup && card.decline) throw cardError(card.decline, {});
    pm.customer = customer.id;
    this.webhooks.emit("payment_method.attached", pm, request);
  }

  /** Validates `expand[]` against what the answer will be (before anything runs, as Stripe does). */
  checkExpand(kind: string, paths: string[]): void {
    for (const path of paths) {
      let current = kind;
      let rest = path.split(".");
      while (rest.length > 0) {
        if (current.startsWith("list:")) {
          if (rest[0] !== "data") throw invalid(`This property cannot be expanded (${rest[0]}).`, "expand", undefined, false);
          current = current.slice(5);
          rest = rest.slice(1);
          continue;
        }
        const fields = EXPANDABLE[current] ?? {};
        const field = Object.keys(fields).find((f) => rest.slice(0, f.split(".").length).join(".") === f);
        if (!field) throw invalid(`This property cannot be expanded (${rest[0]}).`, "expand", undefined, false);
        current = fields[field] ?? "";
        rest = rest.slice(field.split(".").length);
      }
    }
  }

  /** A copy of an answer with the `expand[]` paths replaced by their objects. */
  expand(value: unknown, paths: string[]): unknown {
    if (paths.length === 0) return value;
    const copy = structuredClone(value) as Json;
    for (const path of paths) this.expandIn(copy, path.split("."));
    return copy;
  }

  private expandIn(target: Json, segments: string[]): void {
    if (target.object === "list" && segments[0] === "data") {
      for (const item of target.data as Json[]) this.expandIn(item, segments.slice(1));
      return;
    }
    const field = Object.keys(EXPANDABLE[String(target.object)] ?? {}).find((f) => segments.slice(0, f.split(".").length).join(".") === f);
    if (!field) return;
    const parts = field.split(".");
    let holder = target;
    for (const part of parts.slice(0, -1)) holder = holder[part] as Json;
    const key = parts[parts.length - 1] ?? "";
    let value = holder[key];
    if (target.object === "charge" && key === "refunds") {
      const refunds = [...this.refunds.values()].filter((r) => r.charge === target.id);
      value = { object: "list", data: refunds, has_more: false, total_count: refunds.length, url: `/v1/charges/${target.id}/refunds` };
    } else if (typeof value === "string") value = structuredClone(this.lookup(value));
    holder[key] = value;
    const rest = segments.slice(parts.length);
    if (rest.length > 0 && value && typeof value === "object") this.expandIn(value as Json, rest);
  }

  list<T extends { id: string; created: number }>(items: Iterable<T>, p: Params, url: string) {
    return listOf([...items], p, url);
  }
}

/** A card decline as Stripe answers it: 402 `card_error` with the decline code (and the objects involved). */
export function cardError(decline: string, extra: Json): StripeFailure {
  const code = decline === "authentication_required" ? "authentication_required" : "card_declined";
  return new StripeFailure(402, {
    type: "card_error",
    code,
    decline_code: decline,
    doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll("_", "-")}`,
    message: DECLINE_MESSAGES[decline] ?? "Your card was declined.",
    ...extra,
  });
}

/** The top-level fields that changed, with their former values (`data.previous_attributes`). */
export function previousAttributes(before: Json, after: Json): Record<string, unknown> | undefined {
  const changed = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return changed.length > 0 ? Object.fromEntries(changed.map((k) => [k, before[k]])) : undefined;
}

/** A retrieve handler: the object with the path's id. */
export const byId = (map: (s: StripeState) => Map<string, unknown>) => (call: Call) => call.state.find(map(call.state), call.id);

/** A list handler: the items whose listed fields equal the filters sent (`customer`, `payment_intent`, …). */
export const filtered = <T extends { id: string; created: number }>(call: Call, items: Iterable<T>, url: string, keys: (keyof T & string)[]) =>
  call.state.list(
    [...items].filter((item) => keys.every((k) => call.p.str(k) === undefined || item[k] === call.p.str(k))),
    call.p,
    url,
  );
