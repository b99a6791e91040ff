import { type Context, Hono } from "hono";
import { z } from "zod";
import { listActivity } from "../../db/queries/activity";
import { getProduct, getProductAtVersion, listProducts } from "../../db/queries/catalog";
import { listContacts } from "../../db/queries/contacts";
import { customerNames, findCustomerRow, getCustomer } from "../../db/queries/customers";
import { getItem, itemsOfService, listItems, listTemplates, serviceAllocations, toItemView } from "../../db/queries/inventory";
import { listReconciliation } from "../../db/queries/reconciliation";
import { getService, listServices, serviceAddonList, serviceJobs, serviceUsage } from "../../db/queries/services";
import { listSites } from "../../db/queries/sites";
import { listTransactions } from "../../db/queries/transactions";
import { BALANCE_UNITS, type ProductView } from "../../domain/catalog/schemas";
import { resolveDifference } from "../../domain/charging/resolve-difference";
import { customerPhoneCountry } from "../../domain/contacts/phone";
import { IP_BLOCK } from "../../domain/inventory/allocation";
import { searchOrderInventory } from "../../domain/inventory/picker";
import type { ItemView } from "../../domain/inventory/schemas";
import { queueBalanceSync } from "../../domain/jobs/sync";
import { listCards } from "../../domain/payments/cards";
import { payTopUp } from "../../domain/payments/top-ups";
import { availableActions, SERVICE_ACTION_NAMES, SERVICE_ACTIONS, type ServiceAction } from "../../domain/services/actions";
import { attachAddon } from "../../domain/services/attach-addon";
import { changePlan, previewPlanChange } from "../../domain/services/change-plan";
import { changeServiceStatus } from "../../domain/services/change-status";
import { orderService } from "../../domain/services/order-service";
import { decidePlanChange, getPlanChangeRequest, listPlanChangeRequests } from "../../domain/services/plan-change-requests";
import type { ServiceView } from "../../domain/services/schemas";
import { SERVICE_STATUSES, SERVICE_TRANSITIONS } from "../../domain/services/state";
import { unwrap } from "../../domain/services/support";
import { topUpService } from "../../domain/services/top-up";
import { DEFAULT_SETTINGS } from "../../domain/settings/schemas";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import type { MessageKey } from "../../i18n/catalogue";
import { t } from "../../i18n/request-locale";
import { paymentDeps } from "../../integrations/payments";
import { currencyExponent } from "../../lib/charging-units";
import { NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { allowed, can, writeContext } from "../../middleware/access";
import { oncePerForm, operationKey } from "../../middleware/idempotency";
import { PlanChangePage, ReconciliationPage } from "../../views/charging";
import { type FormErrors, statusLabel } from "../../views/components";
import { formatMoney, parseMoney, serviceName } from "../../views/format";
import { itemLabel } from "../../views/inventory";
import { cardLabel } from "../../views/payments";
import { CONFIRMED_SERVICE_ACTIONS, type ConfirmedServiceAction, ServiceActionConfirmPage } from "../../views/service-confirm";
import {
  ACTION_LABEL,
  hasOpenJob,
  InventoryPickers,
  last30Days,
  OrderForm,
  OrderPage,
  type PickerGroup,
  type PickerOption,
  PickerResults,
  type ServiceLive,
  ServiceLiveFragment,
  ServicePage,
  ServicesPage,
} from "../../views/services";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, type FormBody, readForm, reasonOf, text } from "./forms";

/** A staff decision on a customer's plan change request, from the service page. */
async function decidePlanChangePage(c: Context<AppEnv>, approve: boolean) {
  const id = c.req.param("id") ?? "";
  const rid = c.req.param("rid") ?? "";
  const request = await getPlanChangeRequest(c.get("db"), rid);
  if (!request || request.service_id !== id) throw new NotFound("No plan change request with this id.");
  const reason = text(await readForm(c), "reason") ?? null;
  const result = await attempt(() => decidePlanChange(writeContext(c), serviceDeps(c.env), rid, { approve, reason: reason?.slice(0, 500) ?? null }));
  if (!result.ok) return servicePage(c, id, { message: result.message }, 409);
  return redirectWithNotice(
    c,
    `/admin/services/${id}`,
    t(approve ? "services.notice.request_approved" : "services.notice.request_rejected", { name: request.to_product_name }),
  );
}

/** A top-up as the notice names it: "Top-up of €10.00" or "Top-up pack Data 5 GB". */
async function topUpLabel(c: Context<AppEnv>, input: { amount: number; currency: string } | { product_id: string }): Promise<string> {
  if ("amount" in input) return t("services.notice.topup_amount", { amount: formatMoney(input.amount, input.currency) });
  return t("services.notice.topup_pack", { name: (await getProduct(c.get("db"), input.product_id))?.name ?? input.product_id });
}

/** What the page says once a lifecycle action is accepted (its job then runs). */
const ACTION_NOTICES: Record<ServiceAction, MessageKey> = {
  suspend: "services.notice.suspended",
  resume: "services.notice.resumed",
  terminate: "services.notice.terminating",
  retry: "services.notice.retried",
};

/** The confirmation page of suspend, resume or terminate (again with a 422 when the reason is missing). */
async function actionConfirmPage(
  c: Context<AppEnv>,
  service: ServiceView,
  action: ConfirmedServiceAction,
  extra: { reason?: { value?: string; error?: string }; message?: string } = {},
  status: 200 | 409 | 422 = 200,
) {
  const db = c.get("db");
  const [items, allocations, templates, snapshot, product] = await Promise.all([
    itemsOfService(db, service.id),
    serviceAllocations(db, service.id),
    listTemplates(db),
    serviceDeps(c.env).state(service.id).snapshot(service.id),
    getProductAtVersion(db, service.product_version_id),
  ]);
  const byType = new Map(templates.map((t) => [t.slug, t]));
  const settings = c.get("settings") ?? DEFAULT_SETTINGS;
  const refused = (SERVICE_TRANSITIONS[action].from as readonly string[]).includes(service.status)
    ? undefined
    : t(`services.error.refused.${action}`, { status: statusLabel(service.status) });
  return c.html(
    <ServiceActionConfirmPage
      ctx={pageContext(c)}
      service={service}
      action={action}
      items={items.filter((i) => i.type !== IP_BLOCK).map((i) => ({ type: i.type, label: itemLabel(toItemView(i), byType.get(i.type)) }))}
      allocations={allocations.map((a) => a.cidr)}
      buckets={unwrap(snapshot).buckets}
      currency={product?.currency ?? settings.default_currency}
      quarantineDays={settings.number_quarantine_days}
      simOnTermination={settings.sim_on_termination}
      formKey={ulid()}
      reason={extra.reason}
      message={extra.message ?? refused}
      disabled={Boolean(refused)}
    />,
    refused && status === 200 ? 409 : status,
  );
}

/** What the service page refreshes while a job of the service is open (its live fragment). */
async function serviceLive(c: Context<AppEnv>, service: ServiceView): Promise<ServiceLive> {
  const db = c.get("db");
  const [product, snapshot, jobs, customer] = await Promise.all([
    getProductAtVersion(db, service.product_version_id),
    serviceDeps(c.env).state(service.id).snapshot(service.id),
    serviceJobs(db, service.id),
    customerNames(db, [service.customer_id]),
  ]);
  return {
    service,
    product,
    buckets: unwrap(snapshot).buckets,
    jobs,
    customerName: customer.get(service.customer_id) ?? service.customer_id,
    actions: availableActions(service.status, (p) => allowed(c, p)),
  };
}

async function findService(c: Context<AppEnv>, id: string) {
  const service = await getService(c.get("db"), id);
  if (!service) throw new NotFound("No service with this id.");
  return service;
}

/** Job ids from a query parameter (`watch`, `ended`): well-formed ones only, at most 10; the views keep the service's own. */
function jobIds(raw: string | undefined): string[] {
  const jobId = z.string().regex(/^job_[A-Za-z0-9]{1,60}$/);
  return (raw ?? "")
    .split(",")
    .filter((x) => jobId.safeParse(x).success)
    .slice(0, 10);
}

async function servicePage(c: Context<AppEnv>, id: string, extra: { message?: string; notice?: string; ended?: string[] } = {}, status: 200 | 409 | 422 = 200) {
  const db = c.get("db");
  const service = await findService(c, id);
  const days = last30Days();
  const [live, usage, timeline, transactions, addons, children, plans, addonProducts, heldItems, allocations, templates, differences] = await Promise.all([
    serviceLive(c, service),
    serviceUsage(db, id, days[0] ?? ""),
    listActivity(db, { entity: "service", entityId: id, limit: 30 }),
    allowed(c, "billing:read") ? listTransactions(db, { serviceId: id, limit: 20 }) : Promise.resolve({ data: [], next_cursor: null }),
    serviceAddonList(db, id),
    listServices(db, { parentId: id, limit: 50 }),
    listProducts(db, { status: "active", type: "standalone", serviceType: service.service_type, limit: 100 }),
    listProducts(db, { status: "active", compatibleWith: service.product_id, limit: 100 }),
    itemsOfService(db, id),
    serviceAllocations(db, id),
    listTemplates(db),
    listReconciliation(db, { serviceId: id, status: "open", limit: 10 }),
  ]);
  const planRequests = await listPlanChangeRequests(db, { serviceId: id, status: "pending", limit: 5 });
  return c.html(
    <ServicePage
      ctx={pageContext(c)}
      {...live}
      usage={usage}
      days={days}
      timeline={timeline.data}
      transactions={transactions.data}
      addons={addons}
      children={children.data}
      plans={plans.data}
      addonProducts={addonProducts.data}
      differences={differences.data}
      planRequests={planRequests.data}
      can={{
        write: allowed(c, "services:write"),
        provision: allowed(c, "services:provision"),
        topup: allowed(c, "services:topup"),
        billing: allowed(c, "billing:read"),
      }}
      inventory={{
        items: heldItems.map(toItemView),
        allocations: allocations.map((a) => ({ id: a.id, blockId: a.blockId, cidr: a.cidr })),
        templates: new Map(templates.map((t) => [t.slug, t])),
        linkable: allowed(c, "inventory:read"),
      }}
      formKey={ulid()}
      cards={
        allowed(c, "payments:pay")
          ? (await listCards(db, service.customer_id)).map((card) => ({ value: card.id, label: `${cardLabel(card)}${card.default ? " (default)" : ""}` }))
          : []
      }
      {...extra}
    />,
    status,
  );
}

/** What each inventory type's search box finds items by. */
const SEARCH_BY: Record<string, MessageKey> = {
  sim: "order.by_sim",
  phone_number: "order.by_number",
};

/**
 * The order form's inventory pickers for a product: per required type, "Next available", the item
 * already chosen, and what the typed search found (fitting numbers only; at most 20). IP blocks are
 * few: listed, not searched.
 */
async function orderPickers(
  c: Context<AppEnv>,
  customerId: string,
  product: ProductView,
  chosen: Record<string, string>,
  queries: Record<string, string>,
): Promise<PickerGroup[]> {
  const db = c.get("db");
  if (product.required_inventory.length === 0) return [];
  const [templates, country] = await Promise.all([listTemplates(db).then((t) => new Map(t.map((x) => [x.slug, x]))), customerPhoneCountry(db, customerId)]);
  return Promise.all(
    product.required_inventory.map(async (type): Promise<PickerGroup> => {
      const template = templates.get(type);
      const name = template?.name ?? type;
      const option = (item: { id: string; status: string; customerId?: string | null; fields: Record<string, unknown> }): PickerOption => ({
        value: item.id,
        label: `${itemLabel({ id: item.id, fields: item.fields as ItemView["fields"] }, template)}${item.fields.golden === true ? " ★ golden" : ""}${
          typeof item.fields.pool === "string" ? ` · ${item.fields.pool}` : ""
        }${item.status === "reserved" ? " (reserved for this customer)" : ""}`,
      });
      if (type === IP_BLOCK) {
        const blocks = (await listItems(db, { type, limit: 20 })).data.filter((b) => b.status !== "retired");
        const results = blocks.map((b) => ({ value: b.id, label: `${itemLabel(b, template)}${b.fields.pool ? ` (${b.fields.pool})` : ""}` }));
        return { type, name, searchBy: null, q: "", selected: results.find((r) => r.value === chosen[type]) ?? null, results };
      }
      const q = (queries[type] ?? "").trim().slice(0, 64);
      const picked = chosen[type] ? await getItem(db, chosen[type]) : undefined;
      const found = q ? await searchOrderInventory(db, { customerId, type, q, country, product }) : [];
      return {
        type,
        name,
        searchBy: t(SEARCH_BY[type] ?? "order.by_other"),
        q,
        selected: picked && picked.type === type ? option(picked) : null,
        results: found.map(option),
      };
    }),
  );
}

/** The fields `<prefix><type>` of a form or query (the pickers' choices and searches), by type. */
function byType(body: FormBody, prefix: string): Record<string, string> {
  return Object.fromEntries(
    Object.keys(body)
      .filter((k) => k.startsWith(prefix) && text(body, k))
      .map((k) => [k.slice(prefix.length), (text(body, k) ?? "").trim()]),
  );
}

/**
 * The order form on its own page, as it was sent: after "Find" without JavaScript (200), or when
 * the order was refused (422, with the reason, and the picker it concerns marked).
 */
async function orderPage(c: Context<AppEnv>, customerId: string, body: FormBody, refusal?: { message?: string; errors: FormErrors }) {
  const db = c.get("db");
  const customer = await getCustomer(db, customerId);
  if (!customer) throw new NotFound("No customer with this id.");
  const values = {
    product_id: text(body, "product_id") ?? "",
    site_id: text(body, "site_id") ?? "",
    contact_id: text(body, "contact_id") ?? "",
    promo_code: text(body, "promo_code") ?? "",
  };
  const [products, sites, contacts] = await Promise.all([
    listProducts(db, { status: "active", limit: 200 }),
    listSites(db, customerId, 200),
    listContacts(db, customerId, 200),
  ]);
  const orderable = products.data.filter(
    (p) => (p.type === "standalone" || p.type === "bundle") && p.currency === customer.currency && p.eligibility.customer_types.includes(customer.type),
  );
  const product = orderable.find((p) => p.id === values.product_id);
  const pickers = product ? await orderPickers(c, customerId, product, byType(body, "inventory."), byType(body, "q.")) : undefined;
  for (const g of pickers ?? []) g.error = refusal?.errors[`inventory.${g.type}`];
  return c.html(
    <OrderPage
      ctx={pageContext(c)}
      customer={customer}
      message={refusal?.message}
      form={
        <OrderForm
          ctx={pageContext(c)}
          customerId={customerId}
          products={orderable}
          sites={sites.data.map((x) => ({ id: x.id, name: x.name }))}
          contacts={contacts.data.map((x) => ({ id: x.id, name: [x.first_name, x.last_name].filter(Boolean).join(" "), primary: x.roles.includes("primary") }))}
          formKey={text(body, "key") ?? ulid()}
          values={values}
          pickers={pickers}
        />
      }
    />,
    refusal ? 422 : 200,
  );
}

export const servicePages = new Hono<AppEnv>()
  .get("/services", can("services:read"), async (c) => {
    const status = z.enum(SERVICE_STATUSES).optional().catch(undefined).parse(c.req.query("status"));
    const cursor = z.string().max(200).optional().catch(undefined).parse(c.req.query("cursor"));
    const productId = z.string().max(64).optional().catch(undefined).parse(c.req.query("product_id"));
    const db = c.get("db");
    const page = await listServices(db, { status, productId, limit: 50, cursor });
    const names = await customerNames(
      db,
      page.data.map((s) => s.customer_id),
    );
    return c.html(
      <ServicesPage ctx={pageContext(c)} services={page.data} customers={names} status={status} nextCursor={page.next_cursor} hasCursor={Boolean(cursor)} />,
    );
  })
  .get("/services/:id", can("services:read"), (c) => servicePage(c, c.req.param("id"), { ended: jobIds(c.req.query("ended")) }))
  .get("/services/:id/live", can("services:read"), async (c) => {
    // The jobs the page saw open: each one's outcome is announced once it ends.
    const id = c.req.param("id");
    const watch = jobIds(c.req.query("watch"));
    const live = await serviceLive(c, await findService(c, id));
    // All ended: the whole page again, so that every card shows what the jobs changed.
    if (watch.length > 0 && !hasOpenJob(live.jobs)) c.header("HX-Redirect", `/admin/services/${id}?ended=${watch.join(",")}`);
    return c.html(<ServiceLiveFragment ctx={pageContext(c)} {...live} watch={watch} formKey={ulid()} />);
  })
  .post("/services/:id/sync", can("services:provision"), async (c) => {
    const id = c.req.param("id");
    await readForm(c);
    const result = await attempt(() => queueBalanceSync(writeContext(c), serviceDeps(c.env), id));
    if (!result.ok) return servicePage(c, id, { message: result.message }, 409);
    return redirectWithNotice(c, `/admin/jobs/${result.data.id}`, t("services.notice.sync_queued"));
  })
  .get("/services/:id/action/:action", can("services:write"), async (c) => {
    const action = z.enum(CONFIRMED_SERVICE_ACTIONS).safeParse(c.req.param("action"));
    if (!action.success) throw new NotFound("No such service action.");
    return actionConfirmPage(c, await findService(c, c.req.param("id")), action.data);
  })
  .post("/services/:id/action", can("services:write"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const action = z.enum(SERVICE_ACTION_NAMES).safeParse(text(body, "action"));
    if (!action.success) return servicePage(c, id, { message: t("services.error.unknown_action") }, 422);
    const needed = SERVICE_ACTIONS[action.data].permission;
    if (!allowed(c, needed))
      return servicePage(c, id, { message: t("services.error.needs_permission", { action: t(ACTION_LABEL[action.data]), permission: needed }) }, 409);
    const confirmed = z.enum(CONFIRMED_SERVICE_ACTIONS).safeParse(action.data);
    // Suspend, resume and terminate only from their confirmation page, with a reason.
    const reason = confirmed.success ? reasonOf(body) : null;
    if (confirmed.success && reason && !reason.ok) {
      return actionConfirmPage(c, await findService(c, id), confirmed.data, { reason: { value: reason.value, error: reason.error } }, 422);
    }
    const result = await attempt(() =>
      changeServiceStatus(writeContext(c), serviceDeps(c.env), id, action.data, operationKey(c, text(body, "key")), reason?.ok ? reason.reason : null),
    );
    if (!result.ok) {
      if (confirmed.success)
        return actionConfirmPage(
          c,
          await findService(c, id),
          confirmed.data,
          { message: result.message, reason: { value: text(body, "reason") ?? undefined } },
          409,
        );
      return servicePage(c, id, { message: result.message }, 409);
    }
    const name = serviceName(result.data.service);
    return redirectWithNotice(c, `/admin/services/${id}`, t(ACTION_NOTICES[action.data], { name }));
  })
  .get("/reconciliation", can("services:read"), async (c) => {
    const status = z
      .enum(["open", "resolved", "all"])
      .catch("open")
      .parse(c.req.query("status") ?? "open");
    const cursor = z.string().max(200).optional().catch(undefined).parse(c.req.query("cursor"));
    const page = await listReconciliation(c.get("db"), { status, limit: 50, cursor });
    return c.html(
      <ReconciliationPage
        ctx={pageContext(c)}
        flags={page.data}
        status={status}
        nextCursor={page.next_cursor}
        hasCursor={Boolean(cursor)}
        canResolve={allowed(c, "services:provision")}
      />,
    );
  })
  .post("/services/:id/differences/:unit/resolve", can("services:provision"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const unit = z.enum(BALANCE_UNITS).safeParse(c.req.param("unit"));
    const resolution = (text(body, "resolution") ?? "").trim();
    if (!unit.success) return servicePage(c, id, { message: t("services.error.unknown_unit") }, 422);
    if (resolution.length < 3) return servicePage(c, id, { message: t("services.error.resolution_short") }, 422);
    const result = await attempt(() => resolveDifference(writeContext(c), id, unit.data, resolution.slice(0, 500)));
    if (!result.ok) return servicePage(c, id, { message: result.message }, 409);
    return redirectWithNotice(c, `/admin/services/${id}#balance`, t("services.notice.resolved", { unit: unit.data }));
  })
  .get("/services/:id/change-plan", can("services:write"), async (c) => {
    const id = c.req.param("id");
    const productId = z
      .string()
      .max(64)
      .catch("")
      .parse(c.req.query("product_id") ?? "");
    if (!productId) return servicePage(c, id, { message: t("services.error.choose_plan") }, 422);
    const result = await attempt(() => previewPlanChange(c.get("db"), serviceDeps(c.env), id, productId, new Date().toISOString()));
    if (!result.ok) return servicePage(c, id, { message: result.message }, 422);
    const p = result.data;
    const service = await findService(c, id);
    return c.html(
      <PlanChangePage
        ctx={pageContext(c)}
        service={service}
        current={p.current}
        next={p.next}
        proration={p.proration}
        removed={p.removed}
        grants={p.balances.grants}
        kept={p.kept}
        readAt={p.readAt}
        formKey={`${ulid()}-plan`}
      />,
    );
  })
  .post("/services/:id/change-plan", can("services:write"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const result = await attempt(() => changePlan(writeContext(c), serviceDeps(c.env), id, text(body, "product_id") ?? "", operationKey(c, text(body, "key"))));
    if (!result.ok) return servicePage(c, id, { message: result.message }, 422);
    const p = result.data.proration;
    const currency = (await getProductAtVersion(c.get("db"), result.data.service.product_version_id))?.currency ?? "EUR";
    const money = p ? t("services.notice.plan_money", { credit: formatMoney(p.credit, currency), charge: formatMoney(p.charge, currency) }) : "";
    return redirectWithNotice(
      c,
      `/admin/services/${id}`,
      t("services.notice.plan_changed", { name: serviceName(result.data.service), product: result.data.service.product_name }) + money,
    );
  })
  .post("/services/:id/plan-change-requests/:rid/approve", can("services:write"), (c) => decidePlanChangePage(c, true))
  .post("/services/:id/plan-change-requests/:rid/reject", can("services:write"), (c) => decidePlanChangePage(c, false))
  .post("/services/:id/addons", can("services:write"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const result = await attempt(() =>
      attachAddon(writeContext(c), serviceDeps(c.env), id, text(body, "product_id") ?? "", operationKey(c, text(body, "key"))),
    );
    if (!result.ok) return servicePage(c, id, { message: result.message }, 422);
    const addon = await getProduct(c.get("db"), text(body, "product_id") ?? "");
    return redirectWithNotice(c, `/admin/services/${id}`, t("services.notice.addon", { addon: addon?.name ?? "", name: serviceName(result.data.service) }));
  })
  .post("/services/:id/top-ups", can("services:topup"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const service = await findService(c, id);
    const product = await getProductAtVersion(c.get("db"), service.product_version_id);
    const pack = text(body, "product_id");
    const amountText = text(body, "amount");
    let input: { amount: number; currency: string } | { product_id: string };
    if (pack && !amountText) input = { product_id: pack };
    else {
      // A top-up is in the service's currency (its product's); the operator default only if the version is gone.
      const currency = product?.currency ?? (c.get("settings") ?? DEFAULT_SETTINGS).default_currency;
      const amount = parseMoney(amountText, currencyExponent(currency));
      if (!amount) return servicePage(c, id, { message: t("services.error.amount") }, 422);
      input = { amount, currency };
    }
    const card = text(body, "payment_method");
    // Paid by card: charged first (Stripe), credited once paid; a decline says so and credits nothing.
    if (card && allowed(c, "payments:pay")) {
      const paid = await attempt(() =>
        payTopUp(
          writeContext(c),
          paymentDeps(c.env, new URL(c.req.url).origin),
          id,
          { ...input, payment_method: card },
          {
            scope: null,
            origin: "manual",
            requestKey: operationKey(c, text(body, "key")),
          },
        ),
      );
      if (!paid.ok) return servicePage(c, id, { message: paid.message }, 422);
      if (paid.data.status === "failed") return servicePage(c, id, { message: t("services.error.declined", { reason: paid.data.failure_message ?? "" }) }, 422);
      return redirectWithNotice(
        c,
        `/admin/services/${id}#balance`,
        t("services.notice.topup_card", { topup: await topUpLabel(c, input), name: serviceName(service) }),
      );
    }
    const result = await attempt(() => topUpService(writeContext(c), serviceDeps(c.env), id, input, operationKey(c, text(body, "key"))));
    if (!result.ok) return servicePage(c, id, { message: result.message }, 422);
    return redirectWithNotice(
      c,
      `/admin/services/${id}#balance`,
      t("services.notice.topup_added", { topup: await topUpLabel(c, input), name: serviceName(service) }),
    );
  })
  .get("/customers/:id/order-inventory", can("services:write"), async (c) => {
    const customerId = c.req.param("id");
    if (!(await findCustomerRow(c.get("db"), customerId))) throw new NotFound("No customer with this id.");
    const productId = z
      .string()
      .max(64)
      .catch("")
      .parse(c.req.query("product_id") ?? "");
    const product = productId ? await getProduct(c.get("db"), productId) : null;
    return c.html(product ? <InventoryPickers customerId={customerId} groups={await orderPickers(c, customerId, product, {}, {})} /> : "");
  })
  .get("/customers/:id/order-inventory/search", can("services:write"), async (c) => {
    // The results of one picker as staff type (htmx): the chosen item kept, then what matches.
    const customerId = c.req.param("id");
    if (!(await findCustomerRow(c.get("db"), customerId))) throw new NotFound("No customer with this id.");
    const query: FormBody = c.req.queries();
    const type = text(query, "type") ?? "";
    const product = await getProduct(c.get("db"), (text(query, "product_id") ?? "").slice(0, 64));
    if (!product?.required_inventory.includes(type)) return c.html("");
    const groups = await orderPickers(c, customerId, { ...product, required_inventory: [type] }, byType(query, "inventory."), byType(query, "q."));
    return c.html(groups[0] ? <PickerResults group={groups[0]} /> : "");
  })
  .post("/customers/:id/order", can("services:write"), async (c) => orderPage(c, c.req.param("id"), await readForm(c)))
  .post("/customers/:id/services", can("services:write"), async (c) => {
    const customerId = c.req.param("id");
    const body = await readForm(c);
    let ordered: string | null = null;
    const result = await attempt(() =>
      oncePerForm(c, text(body, "key"), async () => {
        const order = await orderService(writeContext(c), serviceDeps(c.env, new URL(c.req.url).origin), customerId, {
          product_id: text(body, "product_id") ?? "",
          site_id: text(body, "site_id") ?? null,
          contact_id: text(body, "contact_id") ?? null,
          promo_code: text(body, "promo_code") ?? null,
          vars: {},
          // Items picked by staff (`inventory.<type>`); a type left on "next available" is not sent.
          inventory: byType(body, "inventory."),
        });
        ordered = t("services.notice.ordered", { name: order.service.product_name });
        return `/admin/services/${order.service.id}`;
      }),
    );
    if (!result.ok) {
      const message = text(body, "product_id") ? (result.message ?? t("services.error.order_failed")) : t("services.error.choose_product");
      return orderPage(c, customerId, body, { message, errors: result.errors });
    }
    return redirectWithNotice(c, result.data, ordered ?? t("services.notice.already_ordered"));
  });
