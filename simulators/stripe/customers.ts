import { addressFrom, type Customer, newCustomer } from "./objects";
import { expand, invalid, mergeMetadata, metadata, notSimulated, obj, pagination, type Spec, str, strings } from "./params";
import { type Call, previousAttributes, type Route } from "./state";

/** Customers and their PaymentMethods: `/v1/customers`, `/v1/payment_methods`. */

const nullableText = (max: number) => str({ emptyable: true, max });
const address = obj(
  {
    city: nullableText(200),
    country: nullableText(2),
    line1: nullableText(200),
    line2: nullableText(200),
    postal_code: nullableText(20),
    state: nullableText(200),
  },
  { emptyable: true },
);
const customerFields: Spec = {
  ...expand,
  address,
  description: nullableText(350),
  email: nullableText(512),
  metadata,
  name: nullableText(256),
  phone: nullableText(20),
  preferred_locales: strings(),
  invoice_settings: obj({ default_payment_method: str({ emptyable: true }), ...notSimulated("custom_fields", "footer", "rendering_options") }),
  ...notSimulated(
    "balance",
    "business_name",
    "cash_balance",
    "individual_name",
    "invoice_prefix",
    "next_invoice_sequence",
    "shipping",
    "source",
    "tax",
    "tax_exempt",
    "validate",
  ),
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Applies the fields a create or update sent. */
function applyCustomer(call: Call, customer: Customer): void {
  const { p } = call;
  const email = p.nullable("email");
  if (email && !EMAIL.test(email)) throw invalid(`Invalid email address: ${email}`, "email", "email_invalid");
  for (const key of ["description", "email", "name", "phone"] as const) {
    const value = p.nullable(key);
    if (value !== undefined) customer[key] = value;
  }
  customer.address = addressFrom(p.sub("address"), customer.address);
  customer.metadata = mergeMetadata(customer.metadata, p.metadata());
  const locales = p.list("preferred_locales");
  if (locales) customer.preferred_locales = locales;
}

/** `invoice_settings[default_payment_method]`: a PaymentMethod attached to this very customer, or "" to unset. */
function applyDefaultPaymentMethod(call: Call, customer: Customer, attachedNow?: { asked: string; id: string }): void {
  const settings = call.p.sub("invoice_settings");
  const asked = settings?.nullable("default_payment_method");
  if (asked === undefined) return;
  if (asked === null) {
    customer.invoice_settings.default_payment_method = null;
    return;
  }
  const id = attachedNow?.asked === asked ? attachedNow.id : asked;
  const pm = call.state.find(call.state.paymentMethods, id, "invoice_settings[default_payment_method]");
  if (pm.customer !== customer.id)
    throw invalid(
      `The customer does not have a payment method with the ID ${asked}. The payment method must be attached to the customer.`,
      "invoice_settings[default_payment_method]",
    );
  customer.invoice_settings.default_payment_method = id;
}

function listPaymentMethods(call: Call, customerId: string, url: string) {
  const customer = call.state.find(call.state.customers, customerId, call.id ? undefined : "customer");
  const type = call.p.str("type");
  const mine = [...call.state.paymentMethods.values()].filter((pm) => pm.customer === customer.id && (type === undefined || pm.type === type));
  return call.state.list(mine, call.p, url);
}

const listSpec: Spec = { ...expand, ...pagination, type: str(), ...notSimulated("allow_redisplay") };

export const customerRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/customers",
    spec: { ...customerFields, payment_method: str(), ...notSimulated("tax_id_data", "test_clock") },
    returns: "customer",
    run: (call) => {
      const customer = newCustomer();
      applyCustomer(call, customer);
      const asked = call.p.str("payment_method");
      const pm = asked ? call.state.paymentMethod(asked) : undefined;
      if (pm) call.state.attach(pm, customer, call.request);
      call.state.customers.set(customer.id, customer);
      applyDefaultPaymentMethod(call, customer, asked && pm ? { asked, id: pm.id } : undefined);
      call.state.webhooks.emit("customer.created", customer, call.request);
      return customer;
    },
  },
  { method: "GET", path: "/v1/customers/{id}", spec: expand, returns: "customer", run: (call) => call.state.find(call.state.customers, call.id) },
  {
    method: "POST",
    path: "/v1/customers/{id}",
    spec: { ...customerFields, ...notSimulated("default_source") },
    returns: "customer",
    run: (call) => {
      const customer = call.state.find(call.state.customers, call.id);
      const before = structuredClone(customer);
      applyCustomer(call, customer);
      applyDefaultPaymentMethod(call, customer);
      const previous = previousAttributes(before, customer);
      if (previous) call.state.webhooks.emit("customer.updated", customer, call.request, previous);
      return customer;
    },
  },
  {
    method: "GET",
    path: "/v1/customers/{id}/payment_methods",
    spec: listSpec,
    returns: "list:payment_method",
    run: (call) => listPaymentMethods(call, call.id, `/v1/customers/${call.id}/payment_methods`),
  },
  {
    method: "GET",
    path: "/v1/payment_methods",
    spec: { ...listSpec, customer: str(), ...notSimulated("customer_account") },
    returns: "list:payment_method",
    run: (call) => {
      const customer = call.p.str("customer");
      // Stripe also lists PaymentMethods of no customer (Treasury flows); nothing here makes those.
      if (!customer) throw invalid("The Stripe simulator lists PaymentMethods by customer: pass customer.", "customer", "simulator_unsupported_parameter");
      return listPaymentMethods(call, customer, "/v1/payment_methods");
    },
  },
  {
    method: "GET",
    path: "/v1/payment_methods/{id}",
    spec: expand,
    returns: "payment_method",
    // Reading is always allowed (a detached PaymentMethod reads with `customer: null`); only using one is refused.
    run: (call) => call.state.paymentMethods.get(call.id) ?? call.state.paymentMethod(call.id, "id"),
  },
  {
    method: "POST",
    path: "/v1/payment_methods/{id}/attach",
    spec: { ...expand, customer: str(), ...notSimulated("customer_account") },
    required: ["customer"],
    returns: "payment_method",
    run: (call) => {
      const customer = call.state.find(call.state.customers, call.p.str("customer") ?? "", "customer");
      const pm = call.state.paymentMethod(call.id, "id");
      call.state.attach(pm, customer, call.request);
      return pm;
    },
  },
  {
    method: "POST",
    path: "/v1/payment_methods/{id}/detach",
    spec: expand,
    returns: "payment_method",
    run: (call) => {
      const pm = call.state.find(call.state.paymentMethods, call.id);
      const owner = pm.customer ? call.state.customers.get(pm.customer) : undefined;
      if (!owner)
        throw invalid(
          "The payment method you provided is not attached to a customer so detachment is impossible.",
          undefined,
          "payment_method_unexpected_state",
        );
      pm.customer = null;
      call.state.consumed.add(pm.id);
      if (owner.invoice_settings.default_payment_method === pm.id) owner.invoice_settings.default_payment_method = null;
      call.state.webhooks.emit("payment_method.detached", pm, call.request, { customer: owner.id });
      return pm;
    },
  },
];
