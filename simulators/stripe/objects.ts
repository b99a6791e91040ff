import { randomBytes } from "node:crypto";
import { invalid, type Params, StripeFailure } from "./params";

/** Stripe's objects as the API version this simulator speaks renders them (only what it models is ever non-null). */

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** An id in Stripe's style: prefix, underscore, 24 base-62 characters. */
export function newId(prefix: string, length = 24): string {
  return `${prefix}_${[...randomBytes(length)].map((b) => BASE62[b % 62]).join("")}`;
}
export const unixNow = () => Math.floor(Date.now() / 1000);

export type Metadata = Record<string, string>;
export type Address = {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
};
const NO_ADDRESS: Address = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

export type Customer = {
  id: string;
  object: "customer";
  address: Address | null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  discount: null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: { custom_fields: null; default_payment_method: string | null; footer: null; rendering_options: null };
  livemode: false;
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: "none";
  test_clock: null;
};

export type Card = {
  brand: string;
  checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: string | null };
  country: string;
  display_brand: string;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  funding: string;
  generated_from: null;
  last4: string;
  networks: { available: string[]; preferred: null };
  regulated_status: string;
  three_d_secure_usage: { supported: boolean };
  wallet: null;
};

export type PaymentMethod = {
  id: string;
  object: "payment_method";
  allow_redisplay: "unspecified";
  billing_details: { address: Address; email: null; name: null; phone: null; tax_id: null };
  card: Card;
  created: number;
  customer: string | null;
  customer_account: null;
  livemode: false;
  metadata: Metadata;
  type: "card";
};

export type ApiError = { type: string; code?: string; decline_code?: string; message: string; param?: string; [key: string]: unknown };

export type SetupIntent = {
  id: string;
  object: "setup_intent";
  allowed_payment_method_types: string[] | null;
  application: null;
  automatic_payment_methods: { allow_redirects: string; enabled: boolean } | null;
  cancellation_reason: null;
  client_secret: string;
  created: number;
  customer: string | null;
  customer_account: null;
  description: string | null;
  excluded_payment_method_types: null;
  flow_directions: null;
  last_setup_error: ApiError | null;
  latest_attempt: null;
  livemode: false;
  mandate: null;
  metadata: Metadata;
  next_action: { type: "use_stripe_sdk"; use_stripe_sdk: { type: string } } | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: null;
  payment_method_options: { card: { mandate_options: null; network: null; request_three_d_secure: "automatic" } };
  payment_method_types: string[];
  single_use_mandate: null;
  status: "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "canceled" | "succeeded";
  usage: string;
};

export type PaymentIntent = {
  id: string;
  object: "payment_intent";
  allowed_payment_method_types: string[] | null;
  amount: number;
  amount_capturable: number;
  amount_details: { tip: Record<string, never> };
  amount_received: number;
  application: null;
  application_fee_amount: null;
  automatic_payment_methods: { allow_redirects: string; enabled: boolean } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: "automatic_async";
  client_secret: string;
  confirmation_method: "automatic";
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  description: string | null;
  excluded_payment_method_types: null;
  last_payment_error: ApiError | null;
  latest_charge: string | null;
  livemode: false;
  managed_payments: null;
  metadata: Metadata;
  next_action: { type: "use_stripe_sdk"; use_stripe_sdk: { type: string } } | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: null;
  payment_method_options: { card: { installments: null; mandate_options: null; network: null; request_three_d_secure: "automatic" } };
  payment_method_types: string[];
  payment_record: null;
  processing: null;
  receipt_email: string | null;
  review: null;
  setup_future_usage: string | null;
  shipping: null;
  source: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "requires_capture" | "canceled" | "succeeded";
  transfer_data: null;
  transfer_group: null;
};

export type Charge = {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: string | null;
  billing_details: PaymentMethod["billing_details"];
  calculated_statement_descriptor: string;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: false;
  failure_balance_transaction: null;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: Record<string, never>;
  livemode: false;
  metadata: Metadata;
  on_behalf_of: null;
  outcome: { network_status: string; reason: string | null; risk_level: "normal"; risk_score: number; seller_message: string; type: string };
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  payment_method_details: { card: Omit<Card, "display_brand" | "generated_from" | "wallet"> & { network: string }; type: "card" };
  receipt_email: string | null;
  receipt_number: null;
  receipt_url: null;
  refunded: boolean;
  review: null;
  shipping: null;
  source: null;
  source_transfer: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: "succeeded" | "failed";
  transfer_data: null;
  transfer_group: null;
};

export type Refund = {
  id: string;
  object: "refund";
  amount: number;
  balance_transaction: string;
  charge: string;
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  destination_details: { card: { reference: string; reference_status: string; reference_type: string; type: "refund" }; type: "card" };
  metadata: Metadata;
  payment_intent: string;
  payment_method: string;
  reason: string | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: "succeeded";
  transfer_reversal: null;
};

export type StripeEvent = {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
};

/**
 * The test PaymentMethods Stripe documents (docs.stripe.com/testing): `decline` fails charges (and,
 * with `declinesSetup`, SetupIntents and attaching, as Stripe checks the card then);
 * `authentication: "always"` needs 3D Secure on every payment and setup.
 */
export type TestCard = { brand: string; last4: string; funding?: string; decline?: string; declinesSetup?: boolean; authentication?: "always" };
const VISA = { brand: "visa" };
const generic = { ...VISA, last4: "0002", decline: "generic_decline", declinesSetup: true };
const insufficient = { ...VISA, last4: "9995", decline: "insufficient_funds", declinesSetup: true };
export const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { ...VISA, last4: "4242" },
  pm_card_visa_debit: { ...VISA, last4: "5556", funding: "debit" },
  pm_card_mastercard: { brand: "mastercard", last4: "4444" },
  pm_card_amex: { brand: "amex", last4: "8431" },
  pm_card_chargeDeclined: generic,
  pm_card_visa_chargeDeclined: generic,
  pm_card_chargeDeclinedInsufficientFunds: insufficient,
  pm_card_visa_chargeDeclinedInsufficientFunds: insufficient,
  pm_card_chargeCustomerFail: { ...VISA, last4: "0341", decline: "generic_decline" },
  pm_card_authenticationRequired: { ...VISA, last4: "3184", authentication: "always" },
};

export const DECLINE_MESSAGES: Record<string, string> = {
  generic_decline: "Your card was declined.",
  insufficient_funds: "Your card has insufficient funds.",
  authentication_required: "Your card was declined. This transaction requires authentication.",
};

/** A new PaymentMethod for a test card, as Stripe makes one each time a test id is used. */
export function paymentMethodFor(card: TestCard): PaymentMethod {
  const year = new Date().getUTCFullYear();
  return {
    id: newId("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: { address: { ...NO_ADDRESS }, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "unchecked" },
      country: "US",
      display_brand: card.brand,
      exp_month: 12,
      exp_year: year + 3,
      fingerprint: `sim${card.brand}${card.last4}`.padEnd(16, "0").slice(0, 16),
      funding: card.funding ?? "credit",
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: unixNow(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: "card",
  };
}

export function newCustomer(): Customer {
  return {
    id: newId("cus", 14),
    object: "customer",
    address: null,
    balance: 0,
    created: unixNow(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: randomBytes(4).toString("hex").toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

/** The address a request sent (sub-parameters of `address`). */
export function addressFrom(p: Params | null | undefined, current: Address | null): Address | null {
  if (p === undefined) return current;
  if (p === null) return null;
  const next = { ...(current ?? NO_ADDRESS) };
  for (const key of Object.keys(NO_ADDRESS) as (keyof Address)[]) {
    const value = p.nullable(key);
    if (value !== undefined) next[key] = value;
  }
  return next;
}

/** The charge of a confirmation attempt: succeeded, or failed with Stripe's decline code. */
export function newCharge(pi: PaymentIntent, pm: PaymentMethod, decline: string | null): Charge {
  const { display_brand: _d, generated_from: _g, wallet: _w, ...card } = pm.card;
  const failed = decline !== null;
  return {
    id: newId("ch"),
    object: "charge",
    amount: pi.amount,
    amount_captured: failed ? 0 : pi.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: failed ? null : newId("txn"),
    billing_details: structuredClone(pm.billing_details),
    calculated_statement_descriptor: "STRIPE SIMULATOR",
    captured: !failed,
    created: unixNow(),
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failed ? (decline === "authentication_required" ? "authentication_required" : "card_declined") : null,
    failure_message: failed ? (DECLINE_MESSAGES[decline] ?? "Your card was declined.") : null,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome: failed
      ? {
          network_status: "declined_by_network",
          reason: decline,
          risk_level: "normal",
          risk_score: 20,
          seller_message: "The bank did not return any further details with this decline.",
          type: "issuer_declined",
        }
      : { network_status: "approved_by_network", reason: null, risk_level: "normal", risk_score: 20, seller_message: "Payment complete.", type: "authorized" },
    paid: !failed,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: { card: { ...card, network: pm.card.brand }, type: "card" },
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: failed ? "failed" : "succeeded",
    transfer_data: null,
    transfer_group: null,
  };
}

const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);
const SYMBOLS: Record<string, string> = { eur: "€", usd: "$", gbp: "£", jpy: "¥", chf: "CHF ", cad: "CA$", aud: "A$" };
/** Stripe's minimum charge amounts (minor units) for the common settlement currencies. */
export const MINIMUM_AMOUNTS: Record<string, number> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  chf: 50,
  aud: 50,
  cad: 50,
  nzd: 50,
  sgd: 50,
  jpy: 50,
  brl: 50,
  inr: 50,
  dkk: 250,
  nok: 300,
  sek: 300,
  pln: 200,
  czk: 1500,
  huf: 17500,
  ron: 200,
  bgn: 100,
  hkd: 400,
  mxn: 1000,
  thb: 1000,
  aed: 200,
  myr: 200,
};
const CURRENCIES = new Set(Intl.supportedValuesOf("currency").map((c) => c.toLowerCase()));

/** A currency as Stripe takes it (case-insensitive ISO 4217, stored lowercase). */
export function checkCurrency(raw: string, param = "currency"): string {
  const currency = raw.toLowerCase();
  if (!CURRENCIES.has(currency)) throw invalid(`Invalid currency: ${raw}. Stripe currently supports these currencies: usd, eur, gbp, …`, param);
  return currency;
}

/** Money as Stripe words it in messages: €10.50, ¥500. */
export function money(amount: number, currency: string): string {
  const digits = ZERO_DECIMAL.has(currency) ? 0 : 2;
  return `${SYMBOLS[currency] ?? `${currency.toUpperCase()} `}${(amount / 10 ** digits).toFixed(digits)}`;
}

/** A list page in Stripe's shape, newest first, with `limit`, `starting_after` and `ending_before`. */
export function listOf<T extends { id: string; created: number }>(items: T[], p: Params, url: string) {
  const sorted = items.map((item, index) => ({ item, index })).sort((a, b) => b.item.created - a.item.created || b.index - a.index);
  let ordered = sorted.map((s) => s.item);
  const limit = p.int("limit") ?? 10;
  const after = p.str("starting_after");
  const before = p.str("ending_before");
  if (after !== undefined && before !== undefined)
    throw invalid("You may only specify one of these parameters: ending_before, starting_after.", "starting_after", "parameters_exclusive");
  const cursor = after ?? before;
  if (cursor !== undefined) {
    const at = ordered.findIndex((i) => i.id === cursor);
    if (at < 0)
      throw new StripeFailure(400, {
        type: "invalid_request_error",
        code: "resource_missing",
        message: `No such object: '${cursor}'`,
        param: after ? "starting_after" : "ending_before",
      });
    ordered = after ? ordered.slice(at + 1) : ordered.slice(0, at);
  }
  const data = before !== undefined ? ordered.slice(Math.max(0, ordered.length - limit)) : ordered.slice(0, limit);
  return { object: "list" as const, data, has_more: ordered.length > data.length, url };
}
