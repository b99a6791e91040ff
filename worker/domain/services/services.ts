import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { getProduct, getProductAtVersion } from "../../db/queries/catalog";
import { getService, getServiceTerms, toJobSummary } from "../../db/queries/services";
import { contacts, inventoryItems, jobs, services, sites, taxRates } from "../../db/schema";
import { sha256Hex } from "../../lib/crypto";
import { AppError, Conflict, Invalid, NotFound, TooManyRequests } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { planChangeProration, prorate } from "../../lib/money";
import { activityRow } from "../activity/record";
import { transactionRow } from "../billing/transactions";
import type { BalanceUnit, ProductView } from "../catalog/schemas";
import { addonActionsId, type ChargingBalance, chargingBalance, includedBalanceId } from "../charging/definition";
import type { WriteContext } from "../context";
import { loadWritableCustomer } from "../customers/load";
import { emailRow } from "../email/outbox";
import { lowBalanceEmail } from "../email/templates";
import { identifiersFrom, releaseItems, reservationActivity, reserveForOrder } from "../inventory/allocation";
import { serviceDocument } from "../search/documents";
import type { SettingsData } from "../settings/schemas";
import type { ServiceDeps } from "./port";
import type { ServiceOrderInput, ServiceView } from "./schemas";
import { type Effects, type JobRow, type OpContext, type Outcome, SERVICE_TRANSITIONS, type ServiceRow, type ServiceTransition } from "./state";

/** Turns a refused DO outcome into the typed error the API and pages report. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  if (outcome.error.status === 429) throw new TooManyRequests(outcome.error.message, Number(outcome.error.extra?.retry_after ?? 1));
  throw new AppError(
    outcome.error.status,
    outcome.error.status === 404 ? "Not found" : outcome.error.status === 409 ? "Conflict" : "Validation failed",
    outcome.error.message,
    outcome.error.errors,
    outcome.error.extra,
  );
}

function op(ctx: WriteContext): OpContext {
  return { actor: ctx.actor, requestId: ctx.requestId, now: ctx.now };
}

export async function taxRateFor(db: Db, taxClass: string): Promise<number> {
  const row = await db.select({ rateBp: taxRates.rateBp }).from(taxRates).where(eq(taxRates.taxClass, taxClass)).get();
  if (!row) throw new Invalid(`No tax rate for class ${taxClass}.`, [{ path: "tax_class", message: "Unknown tax class" }]);
  return row.rateBp;
}

function jobRow(type: JobRow["type"], serviceId: string | null, payload: Record<string, unknown>, now: string): JobRow {
  return { id: `job_${ulid()}`, type, status: "pending", serviceId, payload, attempts: 0, maxAttempts: 5, createdAt: now, updatedAt: now };
}

/**
 * Orders a product for a customer: the service (and, for a bundle, one per component, linked to it)
 * is created pending with its provisioning job and setup charge in one write, by its ServiceState
 * object; the job is queued after the write. Add-ons and promotions attach to existing services.
 */
export async function orderService(
  ctx: WriteContext,
  deps: ServiceDeps,
  customerId: string,
  input: ServiceOrderInput,
): Promise<{ service: ServiceView; job: ReturnType<typeof toJobSummary> }> {
  const customer = await loadWritableCustomer(ctx.db, customerId);
  if (customer.status !== "open") throw new Conflict(`Cannot order for a customer that is ${customer.status}.`, { current_status: customer.status });
  const product = await getProduct(ctx.db, input.product_id);
  if (!product) throw new Invalid("Unknown product.", [{ path: "product_id", message: "No such product" }]);
  if (product.status !== "active") throw new Conflict(`The product is ${product.status}; only active products can be ordered.`);
  if (product.type === "addon" || product.type === "promotion") {
    throw new Invalid("Add-ons and promotions attach to an existing service.", [
      { path: "product_id", message: `A ${product.type} cannot be ordered on its own` },
    ]);
  }
  if (!product.eligibility.customer_types.includes(customer.type)) {
    throw new Invalid(`This product is not offered to ${customer.type} customers.`, [{ path: "product_id", message: "Not eligible" }]);
  }
  if (product.currency !== customer.currency) {
    throw new Invalid(`The product is priced in ${product.currency}, the customer pays in ${customer.currency}.`, [
      { path: "product_id", message: "Currency mismatch" },
    ]);
  }
  if (input.site_id) {
    const site = await ctx.db
      .select({ id: sites.id })
      .from(sites)
      .where(and(eq(sites.id, input.site_id), eq(sites.customerId, customerId)))
      .get();
    if (!site) throw new Invalid("The site does not belong to this customer.", [{ path: "site_id", message: "Unknown site" }]);
  }
  if (input.contact_id) {
    const contact = await ctx.db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.id, input.contact_id), eq(contacts.customerId, customerId)))
      .get();
    if (!contact) throw new Invalid("The contact does not belong to this customer.", [{ path: "contact_id", message: "Unknown contact" }]);
  }
  const components: ProductView[] = [];
  for (const id of product.type === "bundle" ? product.components : []) {
    const component = await getProduct(ctx.db, id);
    if (!component) throw new Conflict(`The bundle's component ${id} no longer exists.`);
    components.push(component);
  }
  const serviceId = `svc_${ulid()}`;
  // A bundle's inventory (its components' needs too) is held by the bundle's own service.
  const required = [...product.required_inventory, ...components.flatMap((c) => c.required_inventory)];
  const vars = product.provisioning_json_vars;
  const reserved =
    required.length > 0
      ? await reserveForOrder(ctx, {
          serviceId,
          customerId,
          required,
          picks: input.inventory ?? {},
          ipPrefixLength: typeof vars.ip_prefix_length === "number" ? vars.ip_prefix_length : null,
          ipFamily: vars.ip_family === 6 ? 6 : 4,
          numberPool: typeof vars.number_pool === "string" ? vars.number_pool : null,
        })
      : { items: [], ips: [] };
  if (required.length === 0 && input.inventory && Object.keys(input.inventory).length > 0) {
    throw new Invalid("This product uses no inventory.", [{ path: "inventory", message: "Not required by the product" }]);
  }
  const base = (p: ProductView, id: string, parent: string | null): ServiceRow => ({
    id,
    customerId,
    productId: p.id,
    productVersionId: p.version_id,
    siteId: input.site_id ?? null,
    contactId: input.contact_id ?? null,
    parentServiceId: parent,
    status: "pending",
    identifiers: {},
    vars: parent ? {} : input.vars,
    activatedAt: null,
    terminatedAt: null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  });
  const service = { ...base(product, serviceId, null), identifiers: identifiersFrom(reserved.items, reserved.ips) };
  const children = components.map((c) => base(c, `svc_${ulid()}`, serviceId));
  const rate = await taxRateFor(ctx.db, product.tax_class);
  const job = jobRow(
    "provision",
    serviceId,
    {
      service_id: serviceId,
      customer_id: customerId,
      product_id: product.id,
      product_version_id: product.version_id,
      playbook: product.provisioning_play,
      provisioning_play: product.provisioning_play,
      components: children.map((c) => ({ service_id: c.id, product_id: c.productId })),
      site_id: service.siteId,
      contact_id: service.contactId,
      vars: input.vars,
      // What the playbook configures (secrets stay sealed in D1; the runner asks for them when it needs them).
      inventory: reserved.items.map((i) => ({ id: i.id, type: i.type, fields: i.fields })),
      ip_allocations: reserved.ips,
    },
    ctx.now,
  );
  const effects: Effects = {
    jobs: [job],
    transactions:
      product.retail_setup_fee > 0
        ? [
            transactionRow({
              customerId,
              serviceId,
              kind: "charge",
              description: `Setup: ${product.name}`,
              amount: product.retail_setup_fee,
              wholesaleAmount: product.wholesale_setup_fee,
              currency: product.currency,
              taxRateBp: rate,
              sourceKey: `setup:${serviceId}`,
              now: ctx.now,
            }),
          ]
        : [],
    search: [
      serviceDocument({ id: serviceId, customerId, status: "pending", identifiers: service.identifiers }, product.name, customer.name),
      ...children.map((c, i) => serviceDocument({ id: c.id, customerId, status: "pending", identifiers: {} }, components[i]?.name ?? "", customer.name)),
    ],
    activity: [
      activityRow(op(ctx), {
        entity: "service",
        entityId: serviceId,
        customerId,
        action: "service.order",
        after: {
          product: product.slug,
          version: product.version,
          components: children.map((c) => c.id),
          site_id: service.siteId,
          contact_id: service.contactId,
          inventory: reserved.items.map((i) => i.id),
          ip_allocations: reserved.ips.map((a) => a.cidr),
        },
      }),
      ...reservationActivity(op(ctx), reserved.items, serviceId, customerId),
    ],
  };
  // A refused create (never recorded) gives the reservation back. When the object recorded the service
  // but could not write it through, it throws and retries on its own: the reservation stays, and the
  // inventory sweep releases it only if the service never reaches D1.
  const created_ = await deps.state(serviceId).create({
    key: "create",
    service,
    children,
    effects,
    allowNegative: product.allow_negative,
    thresholds: product.low_balance_thresholds,
    inventory: reserved.items.map((i) => i.id),
  });
  if (!created_.ok && required.length > 0) await releaseItems(ctx, serviceId);
  unwrap(created_);
  if (required.length > 0) await deps.stockChanged?.(ctx, [...new Set(required)]);
  const created = (await getService(ctx.db, serviceId)) as ServiceView;
  const row = await ctx.db.select().from(jobs).where(eq(jobs.id, job.id)).get();
  return { service: created, job: toJobSummary(row ?? { ...job, leaseId: null, leaseExpiresAt: null, result: null, error: null, finishedAt: null }) };
}

async function loadService(ctx: WriteContext, id: string): Promise<ServiceView> {
  const service = await getService(ctx.db, id);
  if (!service) throw new NotFound("No service with this id.");
  return service;
}

/**
 * Reserves a failed service's inventory again before it is provisioned once more (its failure gave
 * the first items back): next available items of the product's required types, identifiers updated.
 */
export async function reserveAgain(ctx: WriteContext, serviceId: string): Promise<{ inventory: string[]; identifiers: Record<string, string> } | null> {
  const service = await loadService(ctx, serviceId);
  const product = await getProduct(ctx.db, service.product_id);
  if (!product) return null;
  const components: ProductView[] = [];
  for (const id of product.type === "bundle" ? product.components : []) {
    const c = await getProduct(ctx.db, id);
    if (c) components.push(c);
  }
  const required = [...product.required_inventory, ...components.flatMap((c) => c.required_inventory)];
  if (required.length === 0) return null;
  const held = await ctx.db.select({ id: inventoryItems.id }).from(inventoryItems).where(eq(inventoryItems.serviceId, serviceId));
  if (held.length > 0) return null;
  const vars = product.provisioning_json_vars;
  const reserved = await reserveForOrder(ctx, {
    serviceId,
    customerId: service.customer_id,
    required,
    picks: {},
    ipPrefixLength: typeof vars.ip_prefix_length === "number" ? vars.ip_prefix_length : null,
    ipFamily: vars.ip_family === 6 ? 6 : 4,
    numberPool: typeof vars.number_pool === "string" ? vars.number_pool : null,
  });
  return { inventory: reserved.items.map((i) => i.id), identifiers: identifiersFrom(reserved.items, reserved.ips) };
}

/** Suspends, resumes, terminates or retries a service; each of these is a provisioning job. */
export async function changeServiceStatus(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  transition: Extract<ServiceTransition, "suspend" | "resume" | "terminate" | "retry">,
  key: string,
) {
  const service = await loadService(ctx, id);
  const jobType = SERVICE_TRANSITIONS[transition].job;
  const product = await getProductAtVersion(ctx.db, service.product_version_id);
  const play = product?.provisioning_play ?? null;
  // The job names what it runs: the lifecycle playbook for a product that has a playbook (and so an
  // account in CGRateS), the product's own for a retry; nothing for a product without one.
  const playbook = jobType === "provision" ? play : play ? (jobType === "deprovision" ? "deprovision" : jobType) : null;
  // A retried bundle provisions its components again.
  const components =
    jobType === "provision"
      ? await ctx.db.select({ service_id: services.id, product_id: services.productId }).from(services).where(eq(services.parentServiceId, id))
      : [];
  const job = jobRow(
    jobType,
    id,
    {
      service_id: id,
      customer_id: service.customer_id,
      product_id: service.product_id,
      identifiers: service.identifiers,
      playbook,
      ...(jobType === "provision" ? { components } : {}),
    },
    ctx.now,
  );
  const again = transition === "retry" && service.status === "failed" ? await reserveAgain(ctx, id) : null;
  const outcome = await deps.state(id).transition(id, transition, {
    ...op(ctx),
    key: `${transition}:${key}`,
    effects: {
      jobs: [job],
      ...(again ? { serviceUpdate: { id, identifiers: { ...service.identifiers, ...again.identifiers }, updatedAt: ctx.now } } : {}),
    },
    inventory: again?.inventory,
  });
  if (!outcome.ok && again) await releaseItems(ctx, id);
  const result = unwrap(outcome);
  return {
    service: (await getService(ctx.db, id)) as ServiceView,
    job: toJobSummary({ ...job, leaseId: null, leaseExpiresAt: null, result: null, error: null, finishedAt: null }),
    previous: result.previous,
  };
}

/**
 * What a plan change does to balances (README "Plan changes"): the old plan's included balances are
 * removed (`inc-<old slug>-<i>`), the new plan's are granted — prorated like the price, half-even,
 * when the price is prorated, in full otherwise; money, top-ups and add-ons are kept.
 */
export function planChangeBalances(
  current: ProductView,
  next: ProductView,
  proration: { remainingSeconds: number; periodSeconds: number } | null,
): { remove: string[]; grants: ChargingBalance[] } {
  const remove = current.included_balances.map((_, i) => includedBalanceId(current.slug, i));
  const grants = next.included_balances
    .map((b, i) => ({ b, i, amount: proration ? prorate(b.amount, proration.remainingSeconds, proration.periodSeconds) : b.amount }))
    .filter((g) => g.amount > 0)
    .map((g) => chargingBalance(includedBalanceId(next.slug, g.i), { ...g.b, amount: g.amount }, next.currency));
  return { remove, grants };
}

/**
 * Moves a service to another product of the same service type (or its own product's current
 * version): the unused part of the old monthly price is credited and the new price charged for the
 * rest of the period, both prorated to the second and rounded half-even.
 */
/** The terms of a plan change, checked: both products, the proration and what happens to balances. */
async function planChangeTerms(db: WriteContext["db"], service: ServiceView, productId: string, now: string) {
  const current = await getProductAtVersion(db, service.product_version_id);
  const next = await getProduct(db, productId);
  if (!current) throw new Conflict("The service's product version is missing.");
  if (!next) throw new Invalid("Unknown product.", [{ path: "product_id", message: "No such product" }]);
  if (next.status !== "active") throw new Conflict(`The product is ${next.status}; only active products can be chosen.`);
  if (next.type !== "standalone" || next.service_type !== current.service_type) {
    throw new Invalid("A plan change keeps the service type and needs a standalone product.", [{ path: "product_id", message: "Not a compatible plan" }]);
  }
  if (next.currency !== current.currency)
    throw new Invalid("The new plan is priced in another currency.", [{ path: "product_id", message: "Currency mismatch" }]);
  if (next.version_id === service.product_version_id) throw new Conflict("The service already has this plan at its current version.");
  const proration =
    current.recurring_period === "monthly" && next.recurring_period === "monthly" && next.prorate
      ? planChangeProration(current.retail_price, next.retail_price, new Date(now))
      : null;
  return { current, next, proration, balances: planChangeBalances(current, next, proration) };
}

/**
 * What a plan change would do, for the confirmation page: the proration, and per balance whether it
 * is removed (with what is left of it at the last reading of CGRateS), granted or kept.
 */
export async function previewPlanChange(db: WriteContext["db"], deps: ServiceDeps, id: string, productId: string, now: string) {
  const service = await getService(db, id);
  if (!service) throw new NotFound("No service with this id.");
  const terms = await planChangeTerms(db, service, productId, now);
  const reading = unwrap(await deps.state(id).chargingSnapshot(id));
  const removed = terms.current.included_balances.map((b, i) => {
    const balanceId = terms.balances.remove[i] ?? "";
    const left = reading?.balances.find((r) => r.id === balanceId);
    return { id: balanceId, unit: b.unit, included: b.amount, left: left ? left.amount : null };
  });
  const kept = (reading?.balances ?? []).filter((b) => !terms.balances.remove.includes(b.id));
  return { ...terms, removed, kept, readAt: reading?.read_at ?? null };
}

export async function changePlan(ctx: WriteContext, deps: ServiceDeps, id: string, productId: string, key: string) {
  const service = await loadService(ctx, id);
  const { current, next, proration, balances } = await planChangeTerms(ctx.db, service, productId, ctx.now);
  const rate = await taxRateFor(ctx.db, next.tax_class);
  const transactions = proration
    ? [
        transactionRow({
          customerId: service.customer_id,
          serviceId: id,
          kind: "credit",
          description: `Unused ${current.name} (plan change)`,
          amount: proration.credit,
          currency: current.currency,
          taxRateBp: rate,
          sourceKey: `plan:${id}:${key}:credit`,
          now: ctx.now,
        }),
        transactionRow({
          customerId: service.customer_id,
          serviceId: id,
          kind: "charge",
          description: `${next.name} for the rest of the period`,
          amount: proration.charge,
          currency: next.currency,
          taxRateBp: rate,
          sourceKey: `plan:${id}:${key}:charge`,
          now: ctx.now,
        }),
      ].filter((t) => (t.amount ?? 0) > 0)
    : [];
  const job = jobRow(
    "modify",
    id,
    {
      service_id: id,
      change: "plan",
      // Migrating the CGRateS account is the change_plan playbook's; a product without a playbook has no account.
      playbook: current.provisioning_play || next.provisioning_play ? "change_plan" : null,
      from: { product_id: current.id, version_id: current.version_id },
      to: { product_id: next.id, version_id: next.version_id, provisioning_play: next.provisioning_play },
      remove_balances: balances.remove,
      grants: balances.grants,
    },
    ctx.now,
  );
  unwrap(
    await deps.state(id).apply(
      id,
      `plan:${key}`,
      {
        serviceUpdate: { id, productId: next.id, productVersionId: next.version_id, updatedAt: ctx.now },
        transactions,
        jobs: [job],
        activity: [
          activityRow(op(ctx), {
            entity: "service",
            entityId: id,
            customerId: service.customer_id,
            action: "service.change_plan",
            changes: {
              product: { before: `${current.slug} v${current.version}`, after: `${next.slug} v${next.version}` },
              balances: { before: balances.remove, after: balances.grants.map((g) => ({ id: g.id, unit: g.unit, amount: g.amount })) },
              ...(proration ? { proration: { before: null, after: { credit: proration.credit, charge: proration.charge } } } : {}),
            },
          }),
        ],
      },
      ["active", "suspended"],
      { allow_negative: next.allow_negative ? "1" : "0", thresholds: JSON.stringify(next.low_balance_thresholds) },
    ),
  );
  return {
    service: (await getService(ctx.db, id)) as ServiceView,
    proration,
    balances,
    job: toJobSummary({ ...job, leaseId: null, leaseExpiresAt: null, result: null, error: null, finishedAt: null }),
  };
}

/**
 * Attaches an add-on (or a promotion) to a service it is compatible with. An add-on with balances is a
 * top-up by that product (charged once, pending until its job has run the add-on's action set in
 * CGRateS, reversed if the job fails) that also records the add-on; a promotion has nothing to do on
 * the network and is recorded at once.
 */
export async function attachAddon(ctx: WriteContext, deps: ServiceDeps, id: string, productId: string, key: string) {
  const service = await loadService(ctx, id);
  const addon = await getProduct(ctx.db, productId);
  if (!addon) throw new Invalid("Unknown product.", [{ path: "product_id", message: "No such product" }]);
  if (addon.type !== "addon" && addon.type !== "promotion")
    throw new Invalid("Only add-ons and promotions attach to a service.", [{ path: "product_id", message: "Not an add-on" }]);
  if (addon.status !== "active") throw new Conflict(`The add-on is ${addon.status}.`);
  if (!addon.compatible_with.includes(service.product_id))
    throw new Invalid("This add-on does not attach to this service's product.", [{ path: "product_id", message: "Not compatible" }]);
  const addonId = `sad_${ulid()}`;
  const recorded: Effects = {
    addons: [{ id: addonId, serviceId: id, productId: addon.id, productVersionId: addon.version_id, createdAt: ctx.now }],
    activity: [
      activityRow(op(ctx), {
        entity: "service",
        entityId: id,
        customerId: service.customer_id,
        action: "service.addon",
        after: { addon: addon.slug, addon_id: addonId },
      }),
    ],
  };
  if (addon.type === "addon" && addon.included_balances.length > 0) {
    const topUp = await topUpService(ctx, deps, id, { product_id: addon.id }, `addon:${key}`, null, { id: addonId, effects: recorded });
    const job = await ctx.db.select().from(jobs).where(eq(jobs.id, topUp.job_id)).get();
    // A replayed key answers the add-on the first request attached.
    const first = job ? String(job.payload.addon_id ?? addonId) : addonId;
    return {
      service: (await getService(ctx.db, id)) as ServiceView,
      addon_id: first,
      balance: topUp.balance,
      job: job ? toJobSummary(job) : null,
    };
  }
  const rate = await taxRateFor(ctx.db, addon.tax_class);
  const price = addon.retail_price + addon.retail_setup_fee;
  unwrap(
    await deps.state(id).apply(
      id,
      `addon:${key}`,
      {
        ...recorded,
        transactions:
          price > 0
            ? [
                transactionRow({
                  customerId: service.customer_id,
                  serviceId: id,
                  kind: "charge",
                  description: `Add-on: ${addon.name}`,
                  amount: price,
                  wholesaleAmount: addon.wholesale_price + addon.wholesale_setup_fee,
                  currency: addon.currency,
                  taxRateBp: rate,
                  sourceKey: `addon:${addonId}`,
                  now: ctx.now,
                }),
              ]
            : [],
      },
      ["active", "suspended"],
    ),
  );
  return { service: (await getService(ctx.db, id)) as ServiceView, addon_id: addonId, balance: null, job: null };
}

/**
 * Tops a service up: monetary credit ({amount, currency}) or a top-up add-on's balances. The balance
 * shows it at once as pending; the topup job (CGRateS) confirms it; a failed job reverses it. The
 * customer is charged once per key, whatever the concurrency or retries.
 */
export async function topUpService(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  input: { amount: number; currency: string } | { product_id: string },
  key: string,
  scope: string | null = null,
  /** An add-on attached by this top-up (its service_addons row and activity go in the same write). */
  addon: { id: string; effects: Effects } | null = null,
) {
  let credits: { unit: ProductView["included_balances"][number]["unit"]; amount: number; validity_days: number | null }[];
  let currency: string;
  // Money top-ups are the hottest money path: the ServiceState object checks them against the terms
  // it holds (whose service, which currency, which tax rate) and writes their charge; nothing is read here.
  let charge: { customerId: string; amount: number; wholesale: number; description: string; rate: number; currency: string } | null = null;
  let pack: ProductView | null = null;
  if ("amount" in input) {
    credits = [{ unit: "monetary", amount: input.amount, validity_days: null }];
    currency = input.currency;
  } else {
    const service = await getServiceTerms(ctx.db, id);
    if (!service || (scope !== null && service.customerId !== scope)) throw new NotFound("No service with this id.");
    const addon = await getProduct(ctx.db, input.product_id);
    if (addon?.type !== "addon" || addon.status !== "active")
      throw new Invalid("Unknown or inactive top-up product.", [{ path: "product_id", message: "Not an active add-on" }]);
    if (!addon.compatible_with.includes(service.productId))
      throw new Invalid("This top-up does not apply to this service.", [{ path: "product_id", message: "Not compatible" }]);
    if (addon.included_balances.length === 0) throw new Invalid("This add-on carries no balance to top up.", [{ path: "product_id", message: "No balances" }]);
    if (addon.currency !== service.currency)
      throw new Invalid(`This add-on is priced in ${addon.currency}, the service in ${service.currency}.`, [
        { path: "product_id", message: "Currency mismatch" },
      ]);
    pack = addon;
    credits = addon.included_balances;
    currency = addon.currency;
    charge = {
      customerId: service.customerId,
      amount: addon.retail_price,
      wholesale: addon.wholesale_price,
      description: `Top-up ${addon.name}`,
      rate: await taxRateFor(ctx.db, addon.tax_class),
      currency: addon.currency,
    };
  }
  const requestHash = await sha256Hex(JSON.stringify([id, input]));
  // Each credit's key is also the id of its CGRateS balance: a repeated job finds it and adds nothing.
  const keys = credits.map((_, i) => (i === 0 ? `topup:${key}` : `topup:${key}:${i}`));
  const job = jobRow(
    "topup",
    id,
    {
      service_id: id,
      top_up_keys: keys,
      credits: credits.map((c, i) => chargingBalance(keys[i] ?? `topup:${key}:${i}`, c, currency)),
      product_id: pack?.id ?? null,
      product_version_id: pack?.version_id ?? null,
      // A pack runs its add-on's catalogue action set through its playbook; money is one AddBalance the runner makes.
      playbook: pack ? pack.provisioning_play || "addon_topup" : null,
      actions_id: pack ? addonActionsId(pack) : null,
      ...(addon ? { addon_id: addon.id } : {}),
      // The charge a failed top-up reverses.
      charge_key: `topup:${id}:${key}`,
    },
    ctx.now,
  );
  const state = deps.state(id);
  let last: Awaited<ReturnType<typeof state.topUp>> | null = null;
  for (const [i, credit] of credits.entries()) {
    last = await state.topUp(
      id,
      {
        key: keys[i] ?? `topup:${key}:${i}`,
        unit: credit.unit,
        amount: credit.amount,
        validityDays: credit.validity_days,
        reference: job.id,
        requestHash,
        admission: i === 0,
        ...(i === 0 && "amount" in input ? { money: { currency: input.currency, customerScope: scope, chargeKey: `topup:${id}:${key}` } } : {}),
        effects:
          i === 0
            ? {
                ...addon?.effects,
                jobs: [job],
                transactions:
                  charge && charge.amount > 0
                    ? [
                        transactionRow({
                          customerId: charge.customerId,
                          serviceId: id,
                          kind: "charge",
                          description: charge.description,
                          amount: charge.amount,
                          wholesaleAmount: charge.wholesale,
                          currency: charge.currency,
                          taxRateBp: charge.rate,
                          sourceKey: `topup:${id}:${key}`,
                          now: ctx.now,
                        }),
                      ]
                    : [],
              }
            : {},
      },
      op(ctx),
    );
    unwrap(last);
  }
  const value = last ? unwrap(last) : null;
  return {
    id: value?.entry ?? "",
    key: keys[0],
    job_id: job.id,
    replayed: last?.ok === true && last.replayed,
    status: "pending" as const,
    balance: value ? { service_id: value.service_id, status: value.status, buckets: value.buckets } : null,
  };
}

/** Changes where and for whom a service runs (its site and contact); lifecycle changes have their own routes. */
export async function updateService(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  patch: { site_id?: string | null; contact_id?: string | null },
  key: string,
) {
  const service = await loadService(ctx, id);
  if (patch.site_id) {
    const site = await ctx.db
      .select({ id: sites.id })
      .from(sites)
      .where(and(eq(sites.id, patch.site_id), eq(sites.customerId, service.customer_id)))
      .get();
    if (!site) throw new Invalid("The site does not belong to this customer.", [{ path: "site_id", message: "Unknown site" }]);
  }
  if (patch.contact_id) {
    const contact = await ctx.db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.id, patch.contact_id), eq(contacts.customerId, service.customer_id)))
      .get();
    if (!contact) throw new Invalid("The contact does not belong to this customer.", [{ path: "contact_id", message: "Unknown contact" }]);
  }
  const changes = {
    ...(patch.site_id !== undefined ? { siteId: patch.site_id } : {}),
    ...(patch.contact_id !== undefined ? { contactId: patch.contact_id } : {}),
  };
  unwrap(
    await deps.state(id).apply(
      id,
      `update:${key}`,
      {
        serviceUpdate: { id, ...changes, updatedAt: ctx.now },
        activity: [
          activityRow(op(ctx), {
            entity: "service",
            entityId: id,
            customerId: service.customer_id,
            action: "service.update",
            before: { site_id: service.site_id, contact_id: service.contact_id },
            after: { site_id: patch.site_id ?? service.site_id, contact_id: patch.contact_id === undefined ? service.contact_id : patch.contact_id },
          }),
        ],
      },
      ["pending", "provisioning", "active", "suspended", "failed"],
    ),
  );
  return (await getService(ctx.db, id)) as ServiceView;
}

/**
 * Takes usage from a service's balance (the usage sync of the provisioning runner calls this). When
 * the debit crosses the product's low-balance threshold, the service's contact (or the customer's
 * billing/primary contact) is emailed once, until a top-up lifts the balance again.
 */
export async function debitService(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  input: { unit: BalanceUnit; amount: number; key: string; reference?: string | null },
  brand: SettingsData,
) {
  const service = await loadService(ctx, id);
  const candidates = await ctx.db.select().from(contacts).where(eq(contacts.customerId, service.customer_id));
  const recipient =
    candidates.find((c) => c.id === service.contact_id && c.email) ??
    candidates.find((c) => c.email && c.roles.includes("billing")) ??
    candidates.find((c) => c.email && c.roles.includes("primary")) ??
    candidates.find((c) => c.email);
  const snapshot = unwrap(await deps.state(id).snapshot(id));
  const remaining =
    snapshot.buckets.filter((b) => b.unit === input.unit && (b.expires_at === null || b.expires_at > ctx.now)).reduce((sum, b) => sum + b.amount, 0) -
    input.amount;
  const email = recipient?.email
    ? [
        emailRow(
          ctx.now,
          { email: recipient.email, name: recipient.firstName },
          lowBalanceEmail(brand, { name: recipient.firstName, service: service.identifiers.msisdn ?? service.product_name, unit: input.unit, remaining }),
        ),
      ]
    : [];
  return unwrap(
    await deps
      .state(id)
      .debit(id, { key: input.key, unit: input.unit, amount: input.amount, reference: input.reference ?? null, lowBalanceEmail: email }, op(ctx)),
  );
}

export { loadService };
