import { confirmPayment, confirmSetup, customerAndMethod, ONLY_WITH_CONFIRM, paymentMethods, unsupported } from "./confirm";
import { checkCurrency, MINIMUM_AMOUNTS, money, newId, type PaymentIntent, type SetupIntent, unixNow } from "./objects";
import { bool, expand, int, invalid, mergeMetadata, metadata, notSimulated, obj, pagination, type Spec, StripeFailure, str, strings } from "./params";
import { byId, type Call, filtered, type Route } from "./state";

/** SetupIntents and PaymentIntents (`/v1/setup_intents`, `/v1/payment_intents`), card payments only. */

const automaticPaymentMethods = obj({ enabled: bool, allow_redirects: str({ values: ["always", "never"] }) }, { required: ["enabled"] });

const intentSpec: Spec = {
  ...expand,
  automatic_payment_methods: automaticPaymentMethods,
  confirm: bool,
  customer: str(),
  description: str({ max: 1000 }),
  metadata,
  payment_method: str(),
  allowed_payment_method_types: strings(),
  return_url: str(),
};

const paymentIntentSpec: Spec = {
  ...intentSpec,
  amount: int(),
  currency: str(),
  capture_method: str({ values: ["automatic", "automatic_async", "manual"] }),
  off_session: { t: "off_session" },
  receipt_email: str(),
  setup_future_usage: str({ values: ["on_session", "off_session"] }),
  ...notSimulated(
    "amount_details",
    "application_fee_amount",
    "confirmation_method",
    "confirmation_token",
    "customer_account",
    "error_on_requires_action",
    "excluded_payment_method_types",
    "hooks",
    "mandate",
    "mandate_data",
    "on_behalf_of",
    "payment_details",
    "payment_method_configuration",
    "payment_method_data",
    "payment_method_options",
    "radar_options",
    "shipping",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_data",
    "transfer_group",
    "use_stripe_sdk",
  ),
};

/** Confirm parameters left out (on create too); `allowed_payment_method_types` can only be given at creation here. */
const confirmNotSimulated = ["confirmation_token", "mandate_data", "payment_method_data", "payment_method_options", "use_stripe_sdk"];

function createPaymentIntent(call: Call): PaymentIntent {
  const { p, state } = call;
  const amount = p.int("amount") ?? 0;
  const currency = checkCurrency(p.str("currency") ?? "");
  if (amount < 1) throw invalid("This value must be greater than or equal to 1.", "amount");
  const minimum = MINIMUM_AMOUNTS[currency] ?? 1;
  if (amount < minimum) throw invalid(`Amount must be at least ${money(minimum, currency)} ${currency}`, "amount", "amount_too_small");
  if (amount > 99_999_999) throw invalid(`Amount must be no more than ${money(99_999_999, currency)}`, "amount", "amount_too_large");
  if (p.str("capture_method") === "manual") throw unsupported("capture_method=manual (authorise now, capture later)", "capture_method");
  const confirm = p.bool("confirm") ?? false;
  for (const name of ["off_session", "return_url"]) if (p.has(name) && !confirm) throw invalid(ONLY_WITH_CONFIRM, name);
  const methods = paymentMethods(p);
  const { customer, pm } = customerAndMethod(call, p.str("customer"), p.str("payment_method"));
  const id = newId("pi");
  const pi: PaymentIntent = {
    id,
    object: "payment_intent",
    allowed_payment_method_types: methods.allowed,
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: methods.automatic,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic_async",
    client_secret: `${id}_secret_${newId("s").slice(2)}`,
    confirmation_method: "automatic",
    created: unixNow(),
    currency,
    customer: customer?.id ?? null,
    customer_account: null,
    description: p.str("description") ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: mergeMetadata({}, p.metadata()),
    next_action: null,
    on_behalf_of: null,
    payment_method: pm?.id ?? null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: p.str("receipt_email") ?? null,
    review: null,
    setup_future_usage: p.str("setup_future_usage") ?? null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: pm ? "requires_confirmation" : "requires_payment_method",
    transfer_data: null,
    transfer_group: null,
  };
  state.paymentIntents.set(pi.id, pi);
  state.webhooks.emit("payment_intent.created", pi, call.request);
  if (confirm) confirmPayment(call, pi, Boolean(p.values.off_session), p.str("return_url"));
  return pi;
}

function createSetupIntent(call: Call): SetupIntent {
  const { p, state } = call;
  const confirm = p.bool("confirm") ?? false;
  if (p.has("return_url") && !confirm) throw invalid(ONLY_WITH_CONFIRM, "return_url");
  const methods = paymentMethods(p);
  const { customer, pm } = customerAndMethod(call, p.str("customer"), p.str("payment_method"));
  const id = newId("seti");
  const si: SetupIntent = {
    id,
    object: "setup_intent",
    allowed_payment_method_types: methods.allowed,
    application: null,
    automatic_payment_methods: methods.automatic,
    cancellation_reason: null,
    client_secret: `${id}_secret_${newId("s").slice(2)}`,
    created: unixNow(),
    customer: customer?.id ?? null,
    customer_account: null,
    description: p.str("description") ?? null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: mergeMetadata({}, p.metadata()),
    next_action: null,
    on_behalf_of: null,
    payment_method: pm?.id ?? null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    single_use_mandate: null,
    status: pm ? "requires_confirmation" : "requires_payment_method",
    usage: p.str("usage") ?? "off_session",
  };
  state.setupIntents.set(si.id, si);
  state.webhooks.emit("setup_intent.created", si, call.request);
  if (confirm) confirmSetup(call, si, p.str("return_url"));
  return si;
}

export const paymentRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/setup_intents",
    spec: {
      ...intentSpec,
      usage: str({ values: ["on_session", "off_session"] }),
      ...notSimulated(
        ...confirmNotSimulated,
        "attach_to_self",
        "customer_account",
        "excluded_payment_method_types",
        "flow_directions",
        "on_behalf_of",
        "payment_method_configuration",
        "single_use",
      ),
    },
    returns: "setup_intent",
    run: createSetupIntent,
  },
  {
    method: "GET",
    path: "/v1/setup_intents/{id}",
    spec: { ...expand, ...notSimulated("client_secret") },
    returns: "setup_intent",
    run: byId((s) => s.setupIntents),
  },
  {
    method: "POST",
    path: "/v1/setup_intents/{id}/confirm",
    spec: { ...expand, payment_method: str(), return_url: str(), ...notSimulated(...confirmNotSimulated, "allowed_payment_method_types") },
    returns: "setup_intent",
    run: (call) => {
      const si = call.state.find(call.state.setupIntents, call.id);
      if (!["requires_payment_method", "requires_confirmation", "requires_action"].includes(si.status))
        throw invalid(`You cannot confirm this SetupIntent because it has a status of ${si.status}.`, undefined, "setup_intent_unexpected_state");
      const method = call.p.str("payment_method");
      if (method) si.payment_method = customerAndMethod(call, si.customer, method).pm?.id ?? null;
      confirmSetup(call, si, call.p.str("return_url"));
      return si;
    },
  },
  {
    method: "POST",
    path: "/v1/payment_intents",
    spec: paymentIntentSpec,
    required: ["amount", "currency"],
    returns: "payment_intent",
    run: createPaymentIntent,
  },
  {
    method: "GET",
    path: "/v1/payment_intents",
    spec: { ...expand, ...pagination, customer: str(), ...notSimulated("created", "customer_account") },
    returns: "list:payment_intent",
    run: (call) => filtered(call, call.state.paymentIntents.values(), "/v1/payment_intents", ["customer"]),
  },
  {
    method: "GET",
    path: "/v1/payment_intents/{id}",
    spec: { ...expand, ...notSimulated("client_secret") },
    returns: "payment_intent",
    run: byId((s) => s.paymentIntents),
  },
  {
    method: "POST",
    path: "/v1/payment_intents/{id}/confirm",
    spec: {
      ...expand,
      off_session: { t: "off_session" },
      payment_method: str(),
      receipt_email: str({ emptyable: true }),
      return_url: str(),
      setup_future_usage: str({ values: ["on_session", "off_session"], emptyable: true }),
      ...notSimulated(
        ...confirmNotSimulated,
        "allowed_payment_method_types",
        "amount_details",
        "amount_to_confirm",
        "capture_method",
        "error_on_requires_action",
        "excluded_payment_method_types",
        "hooks",
        "mandate",
        "payment_details",
        "radar_options",
        "shipping",
      ),
    },
    returns: "payment_intent",
    run: (call) => {
      const { p, state } = call;
      const pi = state.find(state.paymentIntents, call.id);
      if (!["requires_payment_method", "requires_confirmation", "requires_action"].includes(pi.status))
        throw new StripeFailure(400, {
          type: "invalid_request_error",
          code: "payment_intent_unexpected_state",
          message: `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`,
          payment_intent: structuredClone(pi),
        });
      const method = p.str("payment_method");
      if (method) pi.payment_method = customerAndMethod(call, pi.customer, method).pm?.id ?? null;
      const receipt = p.nullable("receipt_email");
      if (receipt !== undefined) pi.receipt_email = receipt;
      const future = p.nullable("setup_future_usage");
      if (future !== undefined) pi.setup_future_usage = future;
      confirmPayment(call, pi, Boolean(p.values.off_session), p.str("return_url"));
      return pi;
    },
  },
  {
    method: "POST",
    path: "/v1/payment_intents/{id}/cancel",
    spec: { ...expand, cancellation_reason: str({ values: ["duplicate", "fraudulent", "requested_by_customer", "abandoned"] }) },
    returns: "payment_intent",
    run: (call) => {
      const pi = call.state.find(call.state.paymentIntents, call.id);
      if (pi.status === "succeeded" || pi.status === "canceled")
        throw invalid(
          `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
          undefined,
          "payment_intent_unexpected_state",
        );
      pi.status = "canceled";
      pi.canceled_at = unixNow();
      pi.cancellation_reason = call.p.str("cancellation_reason") ?? null;
      pi.next_action = null;
      call.state.webhooks.emit("payment_intent.canceled", pi, call.request);
      return pi;
    },
  },
];
