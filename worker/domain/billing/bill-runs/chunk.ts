/**
 * One chunk of a bill run: the next customers (in id order after the run's cursor) get their charges
 * and their invoice in ONE D1 batch (one transaction), set-based over `json_each` so a chunk of
 * hundreds of customers is a dozen statements. The batch moves the cursor too, guarded on its old
 * value: a chunk is either wholly done (charges, invoices, lines, totals, numbers, activity, cursor)
 * or not at all, and two executors can never both do it.
 */
import { abortUnlessChanged, isGuardAbort } from "../../../db/guard";
import { newId, ulid } from "../../../lib/ids";
import type { WriteContext } from "../../context";
import { PAYMENT_TERMS_DAYS } from "../invoices/issue-invoice";
import { INVOICE_SERIES } from "../invoices/numbering";
import {
  addMonths,
  type BillableService,
  type Charge,
  chargedKeyFor,
  type Discount,
  type Month,
  recurringCharges,
  terminationCredit,
  usageCharge,
} from "./charges";

export type BillRunRow = { id: string; periodStart: string; periodEnd: string; issue: boolean; cursor: string | null };
type ChunkCustomer = { id: string; currency: string; paymentType: string };

export type ChunkResult = { customers: number; cursor: string | null; errors: number; done: boolean };

/** Customers per chunk: small enough for D1's statement and row limits, large enough to be fast. */
export const CHUNK_CUSTOMERS = 250;

/** The services of these customers a run for `month` may charge (live in or since the month before). */
async function billableServices(d1: D1Database, customerIds: string[], month: Month): Promise<BillableService[]> {
  const prev = addMonths(month, -1);
  const next = addMonths(month, 1);
  const { results } = await d1
    .prepare(
      `SELECT s.id, s.customer_id AS customerId, p.name AS productName, p.recurring_period AS recurringPeriod, p.prorate,
              v.retail_price AS price, v.wholesale_price AS wholesale, p.currency,
              CASE WHEN tr.rate_bp IS NOT NULL AND c.tax_exemption_reason IS NOT NULL THEN 0 ELSE tr.rate_bp END AS taxRateBp, tr.inclusive AS taxInclusive,
              s.activated_at AS activatedAt, s.terminated_at AS terminatedAt
       FROM services s JOIN products p ON p.id = s.product_id JOIN product_versions v ON v.id = s.product_version_id JOIN customers c ON c.id = s.customer_id
       LEFT JOIN tax_rates tr ON tr.tax_class = p.tax_class
       WHERE s.customer_id IN (SELECT value FROM json_each(?1)) AND s.activated_at IS NOT NULL AND s.activated_at < ?2
         AND (s.terminated_at IS NULL OR s.terminated_at >= ?3)
       ORDER BY s.customer_id, s.id`,
    )
    .bind(JSON.stringify(customerIds), `${next.start}T00:00:00.000Z`, `${prev.start}T00:00:00.000Z`)
    .all<Omit<BillableService, "prorate" | "taxInclusive"> & { prorate: number; taxInclusive: number | null }>();
  return results.map((r) => ({ ...r, prorate: Boolean(r.prorate), taxInclusive: Boolean(r.taxInclusive) }));
}

/** Monetary usage per service for a month (what CGRateS rated; the runner syncs it daily). */
async function ratedUsage(d1: D1Database, serviceIds: string[], usageMonth: Month): Promise<Map<string, number>> {
  if (serviceIds.length === 0) return new Map();
  const { results } = await d1
    .prepare(
      `SELECT service_id AS id, sum(amount) AS amount FROM usage_records
       WHERE unit = 'monetary' AND day BETWEEN ?2 AND ?3 AND service_id IN (SELECT value FROM json_each(?1)) GROUP BY service_id`,
    )
    .bind(JSON.stringify(serviceIds), usageMonth.start, usageMonth.end)
    .all<{ id: string; amount: number }>();
  return new Map(results.map((r) => [r.id, r.amount]));
}

/** The recurring charges already recorded under these source keys (for terminated services' true-up). */
async function chargedByKey(d1: D1Database, keys: string[]): Promise<Map<string, { amount: number; tax: number; wholesale: number }>> {
  if (keys.length === 0) return new Map();
  const { results } = await d1
    .prepare(
      "SELECT source_key AS key, amount, tax_amount AS tax, wholesale_amount AS wholesale FROM transactions WHERE source_key IN (SELECT value FROM json_each(?1)) AND kind = 'charge'",
    )
    .bind(JSON.stringify(keys))
    .all<{ key: string; amount: number; tax: number; wholesale: number }>();
  return new Map(results.map((r) => [r.key, { amount: r.amount, tax: r.tax, wholesale: r.wholesale }]));
}

/**
 * The discounts of these services: redeemed promo codes, and promotion products attached to them
 * (the catalogue's `promotion` terms, from the month they were attached; a percent or fixed
 * promotion without `months` lasts as long as it stays attached).
 */
async function discountsOf(d1: D1Database, serviceIds: string[]): Promise<Map<string, Discount[]>> {
  const out = new Map<string, Discount[]>();
  if (serviceIds.length === 0) return out;
  const { results } = await d1
    .prepare(
      `SELECT id, service_id AS serviceId, label, kind, value, months, starts FROM service_discounts WHERE service_id IN (SELECT value FROM json_each(?1))
       UNION ALL
       SELECT a.id, a.service_id, p.name, json_extract(p.promotion, '$.kind'), json_extract(p.promotion, '$.value'),
              CASE json_extract(p.promotion, '$.kind') WHEN 'free_months' THEN json_extract(p.promotion, '$.value')
                   ELSE coalesce(json_extract(p.promotion, '$.months'), 1200) END,
              substr(a.created_at, 1, 7) || '-01'
       FROM service_addons a JOIN products p ON p.id = a.product_id
       WHERE p.type = 'promotion' AND p.promotion IS NOT NULL AND a.service_id IN (SELECT value FROM json_each(?1))
       ORDER BY 1`,
    )
    .bind(JSON.stringify(serviceIds))
    .all<Discount>();
  for (const d of results) out.set(d.serviceId, [...(out.get(d.serviceId) ?? []), d]);
  return out;
}

/** Every charge due for one customer, or the reason the customer cannot be billed. */
export function customerCharges(
  customer: ChunkCustomer,
  services: BillableService[],
  month: Month,
  usage: Map<string, number>,
  charged: Map<string, { amount: number; tax: number; wholesale: number }>,
  discounts: Map<string, Discount[]> = new Map(),
): { charges: Charge[] } | { error: string } {
  const charges: Charge[] = [];
  for (const service of services) {
    const key = chargedKeyFor(service);
    const due = [
      ...recurringCharges(service, month, discounts.get(service.id) ?? []),
      terminationCredit(service, key ? charged.get(key) : undefined),
      customer.paymentType === "postpaid" ? usageCharge(service, month, usage.get(service.id) ?? 0) : null,
    ].filter((c): c is Charge => c !== null);
    if (due.length === 0) continue;
    if (service.currency !== customer.currency)
      return { error: `Service ${service.id} is priced in ${service.currency} but the customer is billed in ${customer.currency}.` };
    if (service.taxRateBp === null) return { error: `Service ${service.id}: its product's tax class has no tax rate.` };
    charges.push(...due);
  }
  return { charges };
}

/** The next customers of the run, in id order after its cursor. */
export async function nextCustomers(d1: D1Database, cursor: string | null, limit: number): Promise<ChunkCustomer[]> {
  const { results } = await d1
    .prepare("SELECT id, currency, payment_type AS paymentType FROM customers WHERE id > ?1 ORDER BY id LIMIT ?2")
    .bind(cursor ?? "", limit)
    .all<ChunkCustomer>();
  return results;
}

/**
 * Bills one chunk of customers. A customer that cannot be billed (a service with no tax rate, in
 * another currency, or a batch D1 refuses) is recorded in `bill_run_errors` and the run goes on; when
 * the whole chunk's batch fails, its customers are retried one by one so only the bad one is left out.
 */
export async function billChunk(ctx: WriteContext, run: BillRunRow, limit = CHUNK_CUSTOMERS): Promise<ChunkResult> {
  const d1 = ctx.db.$client;
  const customers = await nextCustomers(d1, run.cursor, limit);
  if (customers.length === 0) return { customers: 0, cursor: run.cursor, errors: 0, done: true };
  try {
    const errors = await billCustomers(ctx, run, customers);
    return { customers: customers.length, cursor: customers.at(-1)?.id ?? run.cursor, errors, done: false };
  } catch (error) {
    if (isGuardAbort(error)) throw new ChunkTaken();
    if (customers.length === 1) {
      const [only] = customers as [ChunkCustomer];
      await recordError(d1, run, only.id, errorText(error), ctx.now);
      return { customers: 1, cursor: only.id, errors: 1, done: false };
    }
  }
  // One by one: each moves the cursor past itself.
  let errors = 0;
  let cursor = run.cursor;
  for (const customer of customers) {
    const one = await billChunk(ctx, { ...run, cursor }, 1);
    errors += one.errors;
    cursor = customer.id;
  }
  return { customers: customers.length, cursor, errors, done: false };
}

/** Another executor moved the cursor first (a lease that ran out while this one still worked). */
export class ChunkTaken extends Error {
  override readonly name = "ChunkTaken";
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ""}` : String(error);
  return text.slice(0, 500);
}

/** A customer left out of the run: its error, and the cursor past it. */
async function recordError(d1: D1Database, run: BillRunRow, customerId: string, message: string, now: string) {
  await d1.batch([errorStatement(d1, run, customerId, message, now), cursorStatement(d1, run, customerId, 1, now), abortUnlessChanged(d1)]);
}

function errorStatement(d1: D1Database, run: BillRunRow, customerId: string, message: string, now: string) {
  return d1
    .prepare(
      "INSERT INTO bill_run_errors (bill_run_id, customer_id, message, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET message = excluded.message, at = excluded.at",
    )
    .bind(run.id, customerId, message, now);
}

function cursorStatement(d1: D1Database, run: BillRunRow, cursor: string, done: number, now: string) {
  return d1
    .prepare("UPDATE bill_runs SET cursor = ?2, customers_done = customers_done + ?3, updated_at = ?4 WHERE id = ?1 AND cursor IS ?5")
    .bind(run.id, cursor, done, now, run.cursor);
}

async function billCustomers(ctx: WriteContext, run: BillRunRow, customers: ChunkCustomer[]): Promise<number> {
  const d1 = ctx.db.$client;
  const month: Month = { start: run.periodStart, end: run.periodEnd };
  const services = await billableServices(
    d1,
    customers.map((c) => c.id),
    month,
  );
  const postpaid = new Set(customers.filter((c) => c.paymentType === "postpaid").map((c) => c.id));
  const usage = await ratedUsage(
    d1,
    services.filter((s) => postpaid.has(s.customerId)).map((s) => s.id),
    addMonths(month, -1),
  );
  const charged = await chargedByKey(
    d1,
    services.map(chargedKeyFor).filter((k): k is string => k !== null),
  );
  const discounts = await discountsOf(
    d1,
    services.map((s) => s.id),
  );
  const byCustomer = new Map<string, BillableService[]>();
  for (const s of services) byCustomer.set(s.customerId, [...(byCustomer.get(s.customerId) ?? []), s]);
  const rows: unknown[] = [];
  const docs: { c: string; i: string; a: string; b: string }[] = [];
  const errors: { customerId: string; message: string }[] = [];
  for (const customer of customers) {
    const result = customerCharges(customer, byCustomer.get(customer.id) ?? [], month, usage, charged, discounts);
    if ("error" in result) {
      errors.push({ customerId: customer.id, message: result.error });
      continue;
    }
    for (const c of result.charges) {
      rows.push({
        id: `txn_${ulid()}`,
        c: customer.id,
        s: c.serviceId,
        k: c.kind,
        d: c.description,
        a: c.amount,
        t: c.taxAmount,
        r: c.taxRateBp,
        w: c.wholesaleAmount,
        cur: customer.currency,
        key: c.sourceKey,
      });
    }
    docs.push({ c: customer.id, i: `inv_${ulid()}`, a: newId("activity"), b: newId("activity") });
  }
  const docsJson = JSON.stringify(docs);
  const mine = "SELECT json_extract(value, '$.c') FROM json_each(?2)";
  const actor = ctx.actor;
  const statements: D1PreparedStatement[] = [
    d1
      .prepare(
        `INSERT OR IGNORE INTO transactions (id, customer_id, service_id, kind, description, date, amount, tax_amount, tax_rate_bp, wholesale_amount,
           currency, invoice_id, reverses_id, source_key, created_at)
         SELECT json_extract(value, '$.id'), json_extract(value, '$.c'), json_extract(value, '$.s'), json_extract(value, '$.k'), json_extract(value, '$.d'),
                ?2, json_extract(value, '$.a'), json_extract(value, '$.t'), json_extract(value, '$.r'), json_extract(value, '$.w'),
                json_extract(value, '$.cur'), NULL, NULL, json_extract(value, '$.key'), ?3
         FROM json_each(?1)`,
      )
      .bind(JSON.stringify(rows), run.periodStart, ctx.now),
    // One draft per customer with something uninvoiced up to the period's end — unless the period
    // already has a live invoice for them (an earlier run, or one made by hand): never a second.
    d1
      .prepare(
        `INSERT OR IGNORE INTO invoices (id, kind, series, number, customer_id, status, period_start, period_end, currency, subtotal_amount, tax_amount,
           total_amount, amount_due, due_date, issued_at, voided_at, credits_invoice_id, reason, bill_run_id, created_at, updated_at)
         SELECT json_extract(j.value, '$.i'), 'invoice', ?1, NULL, c.id, 'draft', ?3, ?4, c.currency, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, ?5, ?6, ?6
         FROM json_each(?2) j JOIN customers c ON c.id = json_extract(j.value, '$.c')
         WHERE EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id AND t.currency = c.currency AND t.date <= ?4 AND t.invoice_id IS NULL
                         AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.transaction_id = t.id AND l.active = 1))`,
      )
      .bind(INVOICE_SERIES, docsJson, run.periodStart, run.periodEnd, run.id, ctx.now),
    d1
      .prepare(
        `INSERT INTO invoice_lines (id, invoice_id, position, transaction_id, description, amount, tax_amount, tax_rate_bp, active, created_at)
         SELECT 'inl_' || lower(hex(randomblob(12))), i.id, row_number() OVER (PARTITION BY i.id ORDER BY t.date, t.id), t.id, t.description,
                CASE t.kind WHEN 'credit' THEN -t.amount ELSE t.amount END, CASE t.kind WHEN 'credit' THEN -t.tax_amount ELSE t.tax_amount END,
                t.tax_rate_bp, 1, ?3
         FROM invoices i JOIN transactions t ON t.customer_id = i.customer_id AND t.currency = i.currency
         WHERE i.bill_run_id = ?1 AND i.status = 'draft' AND i.customer_id IN (${mine}) AND t.date <= ?4 AND t.invoice_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.transaction_id = t.id AND l.active = 1)`,
      )
      .bind(run.id, docsJson, ctx.now, run.periodEnd),
    d1
      .prepare(
        `UPDATE invoices SET
           subtotal_amount = (SELECT coalesce(sum(amount), 0) FROM invoice_lines WHERE invoice_id = invoices.id AND active = 1),
           tax_amount = (SELECT coalesce(sum(tax_amount), 0) FROM invoice_lines WHERE invoice_id = invoices.id AND active = 1),
           total_amount = (SELECT coalesce(sum(amount + tax_amount), 0) FROM invoice_lines WHERE invoice_id = invoices.id AND active = 1),
           amount_due = (SELECT coalesce(sum(amount + tax_amount), 0) FROM invoice_lines WHERE invoice_id = invoices.id AND active = 1)
         WHERE bill_run_id = ?1 AND status = 'draft' AND customer_id IN (${mine})`,
      )
      .bind(run.id, docsJson),
    activityStatement(
      d1,
      "$.a",
      "invoice.create",
      run,
      docsJson,
      actor,
      ctx,
      "json_object('period_start', json_object('before', NULL, 'after', i.period_start), 'period_end', json_object('before', NULL, 'after', i.period_end), 'total_amount', json_object('before', NULL, 'after', i.total_amount), 'bill_run_id', json_object('before', NULL, 'after', i.bill_run_id))",
    ),
  ];
  if (run.issue)
    statements.push(
      ...issueStatements(d1, run, docsJson, ctx),
      activityStatement(
        d1,
        "$.b",
        "invoice.issue",
        run,
        docsJson,
        actor,
        ctx,
        "json_object('status', json_object('before', 'draft', 'after', 'issued'), 'number', json_object('before', NULL, 'after', i.number))",
      ),
    );
  for (const e of errors) statements.push(errorStatement(d1, run, e.customerId, e.message, ctx.now));
  statements.push(cursorStatement(d1, run, customers.at(-1)?.id ?? "", customers.length, ctx.now), abortUnlessChanged(d1));
  await d1.batch(statements);
  return errors.length;
}

/** One activity entry per invoice this chunk made (the `$.a`/`$.b` ids were drawn for it). */
function activityStatement(
  d1: D1Database,
  idPath: string,
  action: string,
  run: BillRunRow,
  docsJson: string,
  actor: WriteContext["actor"],
  ctx: WriteContext,
  changes: string,
) {
  return d1
    .prepare(
      `INSERT INTO activity_log (id, at, actor_type, actor_id, actor_label, entity, entity_id, customer_id, action, changes, request_id)
       SELECT json_extract(j.value, '${idPath}'), ?3, ?4, ?5, ?6, 'invoice', i.id, i.customer_id, ?7, ${changes}, ?8
       FROM json_each(?2) j CROSS JOIN invoices i
       WHERE i.bill_run_id = ?1 AND i.customer_id = json_extract(j.value, '$.c') AND i.updated_at = ?3`,
    )
    .bind(run.id, docsJson, ctx.now, actor.type, actor.id, actor.label, action, ctx.requestId);
}

/**
 * Issues this chunk's drafts in the same batch: numbers from the series' sequence for the year, in
 * customer order, gap-free (the base is read, the sequence moved by the count, then each draft takes
 * base + its row number — all inside the batch's transaction); due dates from each customer's terms.
 */
function issueStatements(d1: D1Database, run: BillRunRow, docsJson: string, ctx: WriteContext): D1PreparedStatement[] {
  const year = Number(ctx.now.slice(0, 4));
  const drafts = `SELECT id FROM invoices WHERE bill_run_id = ?1 AND status = 'draft' AND customer_id IN (SELECT json_extract(value, '$.c') FROM json_each(?2))`;
  return [
    d1.prepare("INSERT INTO invoice_sequences (series, year, last) VALUES (?1, ?2, 0) ON CONFLICT DO NOTHING").bind(INVOICE_SERIES, year),
    d1
      .prepare("UPDATE bill_runs SET sequence_base = (SELECT last FROM invoice_sequences WHERE series = ?2 AND year = ?3) WHERE id = ?1")
      .bind(run.id, INVOICE_SERIES, year),
    d1
      .prepare(`UPDATE invoice_sequences SET last = last + (SELECT count(*) FROM (${drafts})) WHERE series = ?3 AND year = ?4`)
      .bind(run.id, docsJson, INVOICE_SERIES, year),
    d1
      .prepare(
        `UPDATE invoices SET number = ?3 || '-' || printf('%d', ?4) || '-' || printf('%05d', r.base + r.rn), status = 'issued', issued_at = ?5,
           due_date = date(?5, '+' || printf('%d', r.terms) || ' days'), updated_at = ?5
         FROM (SELECT i.id, row_number() OVER (ORDER BY i.customer_id) AS rn, coalesce(c.payment_terms_days, ?6) AS terms,
                      (SELECT sequence_base FROM bill_runs WHERE id = ?1) AS base
               FROM invoices i JOIN customers c ON c.id = i.customer_id
               WHERE i.id IN (${drafts})) AS r
         WHERE invoices.id = r.id`,
      )
      .bind(run.id, docsJson, INVOICE_SERIES, year, ctx.now, PAYMENT_TERMS_DAYS),
    d1
      .prepare(
        `UPDATE transactions SET invoice_id = (SELECT l.invoice_id FROM invoice_lines l WHERE l.transaction_id = transactions.id AND l.active = 1)
         WHERE invoice_id IS NULL AND id IN (SELECT l.transaction_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
                                             WHERE i.bill_run_id = ?1 AND i.issued_at = ?3 AND l.active = 1 AND l.transaction_id IS NOT NULL
                                               AND i.customer_id IN (SELECT json_extract(value, '$.c') FROM json_each(?2)))`,
      )
      .bind(run.id, docsJson, ctx.now),
  ];
}
