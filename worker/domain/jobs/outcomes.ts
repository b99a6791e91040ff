import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { getProductAtVersion } from "../../db/queries/catalog";
import { getService } from "../../db/queries/services";
import { getSettings } from "../../db/queries/settings";
import { contacts, customers, type jobs, services, transactions, usageRecords } from "../../db/schema";
import { type CgratesBalanceType, fromCgrates, isChargingBalanceType, UNIT_OF } from "../../lib/charging-units";
import { activityRow } from "../activity/record";
import { transactionRow } from "../billing/transactions";
import { applyBroadcastOutcome } from "../broadcasts/dispatch";
import type { BalanceUnit } from "../catalog/schemas";
import { includedBalanceId } from "../charging/definition";
import type { AccountReading } from "../charging/reconcile";
import { emailRow } from "../email/outbox";
import { notificationLocales } from "../email/staff-locale";
import { lowBalanceEmail, provisioningFailedEmail, welcomeEmail } from "../email/templates";
import { saveConfig } from "../inventory/configs";
import { suspendIfExhausted } from "../services/exhausted";
import type { ServiceDeps } from "../services/port";
import type { Effects, EmailRow, Grant, OpContext } from "../services/state";
import { applied, balanceRecipient } from "../services/support";
import { smsRow } from "../sms/outbox";
import { type AccountReport, type JobOutputs, type JobResult, parseOutputs, parsePayload } from "./contract";

type JobRecord = typeof jobs.$inferSelect;

/** Credits reversing the charge recorded under `sourceKey` (a setup fee, a top-up), once each. */
async function reversals(db: Db, op: OpContext, sourceKey: string, reason: string): Promise<NonNullable<Effects["transactions"]>> {
  const charges = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.sourceKey, sourceKey), eq(transactions.kind, "charge")));
  return charges.map((t) =>
    transactionRow({
      customerId: t.customerId,
      serviceId: t.serviceId,
      kind: "credit",
      description: `Reversal: ${t.description} (${reason})`,
      amount: t.amount,
      wholesaleAmount: t.wholesaleAmount,
      currency: t.currency,
      taxRateBp: t.taxRateBp,
      // One reversal per charge, whatever the number of times the outcome is applied.
      sourceKey: `reversal:${t.id}`,
      reversesId: t.id,
      now: op.now,
    }),
  );
}

async function failureNotice(
  db: Db,
  op: OpContext,
  job: JobRecord,
  service: { id: string; customer_id: string; product_name: string },
  reason: string,
  baseUrl: string,
) {
  const { data: settings } = await getSettings(db);
  const customer = await db.select({ name: customers.name }).from(customers).where(eq(customers.id, service.customer_id)).get();
  const locales = await notificationLocales(db, settings.notification_emails, settings.default_locale);
  return settings.notification_emails.map((to) =>
    emailRow(
      op.now,
      { email: to },
      provisioningFailedEmail(settings, {
        serviceId: service.id,
        service: service.product_name,
        customer: customer?.name ?? service.customer_id,
        reason: `${job.type} job ${job.id}: ${reason}`,
        url: `${baseUrl}/admin/services/${service.id}`,
        locale: locales.get(to),
      }),
    ),
  );
}

/** A runner's reading of an account in BSS units (the one conversion module rounds sub-unit rating remainders half-even). */
export function toReading(report: AccountReport, currency: string): AccountReading {
  const typed = <T extends { type: string }>(list: T[]) => list.filter((x): x is T & { type: CgratesBalanceType } => isChargingBalanceType(x.type));
  const amount = (type: CgratesBalanceType, value: number) => fromCgrates(type, value, currency).amount;
  return {
    read_at: report.read_at,
    balances: typed(report.balances).map((b) => ({ id: b.id, unit: UNIT_OF[b.type], amount: amount(b.type, b.value), expires_at: b.expires_at })),
    rated: typed(report.rated).map((r) => ({ balance_id: r.balance_id, unit: UNIT_OF[r.type], amount: amount(r.type, r.units), after: r.after })),
    renewals: typed(report.renewals).map((r) => ({ at: r.at, balance_id: r.balance_id, unit: UNIT_OF[r.type], amount_after: amount(r.type, r.value_after) })),
  };
}

/** The low-balance email of each unit with a threshold, to the service's contact (or the customer's billing/primary one). */
async function lowBalanceEmails(
  db: Db,
  op: OpContext,
  service: { id: string; customer_id: string; contact_id: string | null; product_name: string; identifiers: Record<string, string> },
  thresholds: Record<string, number>,
  reading: AccountReading,
) {
  const units = Object.keys(thresholds) as BalanceUnit[];
  if (units.length === 0) return {};
  const recipient = await balanceRecipient({ db }, service);
  if (!recipient?.email) return {};
  const { data: brand } = await getSettings(db);
  const out: Partial<Record<BalanceUnit, EmailRow[]>> = {};
  for (const unit of units) {
    const remaining = reading.balances.filter((b) => b.unit === unit).reduce((s, b) => s + b.amount, 0);
    out[unit] = [
      emailRow(
        op.now,
        { email: recipient.email, name: recipient.firstName },
        lowBalanceEmail(brand, {
          name: recipient.firstName,
          service: service.identifiers.msisdn ?? service.product_name,
          unit,
          remaining,
          locale: recipient.locale,
        }),
      ),
    ];
  }
  return out;
}

/**
 * Adopts what the runner read back of each account (the service's, or a bundle's components'),
 * once per job and account: CGRateS's balances become the services' (see domain/charging/reconcile).
 */
async function adoptReadings(
  db: Db,
  deps: ServiceDeps,
  op: OpContext,
  job: JobRecord,
  outputs: JobOutputs,
  extra: { grants?: Grant[]; removals?: string[] } = {},
): Promise<void> {
  for (const report of outputs.charging_report?.accounts ?? []) {
    if (!report.exists) continue;
    const service = await getService(db, report.account);
    if (!service || service.status === "terminated") continue;
    const version = await getProductAtVersion(db, service.product_version_id);
    if (!version) continue;
    const reading = toReading(report, version.currency);
    const mine = report.account === job.serviceId;
    applied(
      await deps.state(service.id).applyReading(
        service.id,
        {
          key: `result:${job.id}:reading:${service.id}`,
          reading,
          ...(mine ? extra : {}),
          lowBalanceEmails: await lowBalanceEmails(db, op, service, version.low_balance_thresholds, reading),
        },
        op,
      ),
      `applyReading ${job.id}`,
    );
  }
}

/** A product version's included balances as grants with their CGRateS ids. */
function includedGrants(version: { slug: string; included_balances: Grant[] } | null): Grant[] {
  return (version?.included_balances ?? []).map((b, i) => ({ ...b, balance_id: includedBalanceId(version?.slug ?? "", i) }));
}

/** The welcome SMS: short, plain (one or two GSM-7 segments). */
export function welcomeSmsText(operator: string, product: string, identifiers: Record<string, string>, locale?: string | null): string {
  if ((locale ?? "").toLowerCase().startsWith("fr")) {
    const numero = identifiers.msisdn ? ` Votre numéro : ${identifiers.msisdn}.` : "";
    return `Bienvenue chez ${operator} ! Votre ${product} est activé.${numero}`;
  }
  const number = identifiers.msisdn ? ` Your number: ${identifiers.msisdn}.` : "";
  return `Welcome to ${operator}! Your ${product} is ready.${number}`;
}

/**
 * Applies a job's outcome to its service, idempotently (every ServiceState operation is keyed by the
 * job): provisioning success activates the service with the playbook's identifiers, the product's
 * included balances and a welcome email; failure marks it failed, which gives its inventory back,
 * reverses its setup charges and tells the notification list. Top-ups are confirmed or reversed
 * (with their charge); termination completes.
 */
export async function applyOutcome(db: Db, deps: ServiceDeps, op: OpContext, job: JobRecord, result: JobResult, baseUrl = deps.baseUrl ?? ""): Promise<void> {
  if (job.type === "broadcast") return applyBroadcastOutcome({ db, ...op }, job.payload, job.id, result);
  if (!job.serviceId) return;
  const service = await getService(db, job.serviceId);
  if (!service) return;
  const state = deps.state(service.id);
  const key = `result:${job.id}`;
  const reason = result.error ? `${result.error.task ? `${result.error.task}: ` : ""}${result.error.message}` : "";
  const outputs = parseOutputs(result.outputs);
  if (job.type === "provision" || job.type === "modify") {
    if (result.status === "succeeded") {
      const version = await getProductAtVersion(db, service.product_version_id);
      const identifiers: Record<string, string> = {
        ...service.identifiers,
        ...Object.fromEntries(Object.entries(outputs.identifiers ?? {}).map(([k, v]) => [k, String(v)])),
      };
      const contact = service.contact_id ? await db.select().from(contacts).where(eq(contacts.id, service.contact_id)).get() : undefined;
      const { data: settings } = await getSettings(db);
      const effects: Effects = {};
      // The welcome email and SMS are in the customer's language (their locale, e.g. fr-FR).
      const customer =
        job.type === "provision" ? await db.select({ locale: customers.locale }).from(customers).where(eq(customers.id, service.customer_id)).get() : undefined;
      if (job.type === "provision" && contact?.email) {
        effects.emails = [
          emailRow(
            op.now,
            { email: contact.email, name: contact.firstName },
            welcomeEmail(settings, { name: contact.firstName, service: service.product_name, identifiers, locale: customer?.locale }),
          ),
        ];
      }
      // The welcome SMS goes to the line itself (its MSISDN), else to the contact's phone.
      const phone = identifiers.msisdn || contact?.phone;
      if (job.type === "provision" && phone && /^\+[1-9]\d{6,14}$/.test(phone)) {
        effects.sms = [smsRow(op.now, phone, "service_welcome", welcomeSmsText(settings.operator_name, service.product_name, identifiers, customer?.locale))];
      }
      if (service.status === "provisioning") {
        applied(
          await state.transition(service.id, "activate", { ...op, key: `${key}:activate`, identifiers, grants: includedGrants(version), effects }),
          `transition ${job.id}`,
        );
      }
      // A bundle's playbook provisions its components: they become active with it, with their own balances.
      const children = await db.select({ id: services.id }).from(services).where(eq(services.parentServiceId, service.id));
      for (const child of children) {
        const c = await getService(db, child.id);
        if (!c || (c.status !== "pending" && c.status !== "provisioning")) continue;
        const childState = deps.state(c.id);
        if (c.status === "pending") applied(await childState.transition(c.id, "start_provisioning", { ...op, key: `${key}:start` }), `transition ${job.id}`);
        const childVersion = await getProductAtVersion(db, c.product_version_id);
        applied(await childState.transition(c.id, "activate", { ...op, key: `${key}:activate`, grants: includedGrants(childVersion) }), `transition ${job.id}`);
      }
      const plan = job.type === "modify" ? parsePayload("modify", job.payload) : null;
      if (plan) {
        const grants = plan.grants.map((g) => ({ unit: g.unit, amount: g.amount, validity_days: g.validity_days, balance_id: g.id }));
        await adoptReadings(db, deps, op, job, outputs, { grants, removals: plan.remove_balances });
      } else await adoptReadings(db, deps, op, job, outputs);
      const config = outputs.config;
      if (config) {
        await saveConfig({ db, actor: op.actor, requestId: op.requestId, now: op.now }, config.item_id, {
          content: config.content,
          source: "playbook",
          jobId: job.id,
          note: `From ${job.type} job`,
        }).catch(() => undefined); // unchanged configuration, or not a device: nothing to store
      }
    } else if (service.status === "provisioning") {
      const children = await db.select({ id: services.id, status: services.status }).from(services).where(eq(services.parentServiceId, service.id));
      for (const child of children) {
        if (child.status === "pending")
          applied(await deps.state(child.id).transition(child.id, "start_provisioning", { ...op, key: `${key}:start` }), `transition ${job.id}`);
        if (child.status === "pending" || child.status === "provisioning")
          applied(await deps.state(child.id).transition(child.id, "fail", { ...op, key: `${key}:fail` }), `transition ${job.id}`);
      }
      const emails = await failureNotice(db, op, job, service, reason, baseUrl);
      applied(
        await state.transition(service.id, "fail", {
          ...op,
          key: `${key}:fail`,
          effects: {
            transactions: await reversals(db, op, `setup:${service.id}`, "provisioning failed"),
            emails,
            activity: [
              activityRow(op, {
                entity: "service",
                entityId: service.id,
                customerId: service.customer_id,
                action: "service.provisioning_failed",
                changes: { error: { before: null, after: reason } },
              }),
            ],
          },
        }),
        `transition ${job.id}`,
      );
    }
    return;
  }
  if (job.type === "deprovision") {
    if (result.status === "succeeded" && service.status === "terminating") {
      applied(await state.transition(service.id, "complete_termination", { ...op, key: `${key}:terminated` }), `transition ${job.id}`);
    } else if (result.status === "failed") {
      const emails = await failureNotice(db, op, job, service, reason, baseUrl);
      applied(await state.apply(service.id, `${key}:notice`, { emails }, [service.status]), `apply ${job.id}`);
    }
    return;
  }
  if (job.type === "topup") {
    const topup = parsePayload("topup", job.payload);
    const keys = topup?.top_up_keys ?? [];
    for (const topUpKey of keys) {
      applied(
        await state.settleTopUp(service.id, topUpKey, result.status === "succeeded" ? "confirmed" : "reversed", {
          ...op,
          effects:
            result.status === "failed" && topUpKey === keys[0] && topup?.charge_key
              ? { transactions: await reversals(db, op, topup.charge_key, "top-up failed") }
              : {},
        }),
        `settleTopUp ${job.id}`,
      );
    }
    if (result.status === "succeeded") await adoptReadings(db, deps, op, job, outputs);
    return;
  }
  if (job.type === "sync_balance" && result.status === "succeeded") {
    const rows = (outputs.usage ?? []).map((u) => ({ serviceId: service.id, day: u.day, unit: u.unit, amount: u.amount }));
    for (let i = 0; i < rows.length; i += 20) {
      await db
        .insert(usageRecords)
        .values(rows.slice(i, i + 20))
        .onConflictDoUpdate({ target: [usageRecords.serviceId, usageRecords.day, usageRecords.unit], set: { amount: sql`excluded.amount` } });
    }
    await adoptReadings(db, deps, op, job, outputs);
    // Nothing left on a prepaid service whose product says so: it is suspended.
    await suspendIfExhausted({ db, ...op }, deps, service.id, `exhausted:${job.id}`);
    return;
  }
  if ((job.type === "suspend" || job.type === "resume") && result.status === "succeeded") {
    await adoptReadings(db, deps, op, job, outputs);
    return;
  }
  // A failed usage sync is retried by the next sweep; the job page shows why. Other failures are
  // operational events the notification list hears about.
  if (result.status === "failed" && job.type !== "sync_balance") {
    const emails = await failureNotice(db, op, job, service, reason, baseUrl);
    applied(await state.apply(service.id, `${key}:notice`, { emails }, [service.status]), `apply ${job.id}`);
  }
}
