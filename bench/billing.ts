/**
 * A bill run at scale: 20,000 customers with 100,000 active services (and last month's rated usage)
 * written straight into a fresh local D1, then one bill run of the current month through the API,
 * carried out by the bundled worker's queue consumer in chunks and timed from the POST to
 * `completed`. Beside it, in the same run, the raw insert with better-sqlite3 of the same rows: the
 * seed itself, and every row the run writes (transactions, issued invoices, lines, activity, the
 * sequence) on a copy of the same file. Afterwards D1 is checked (one invoice per customer with
 * something to bill, gap-free numbers, totals = Σ lines = what the charge rules give), and a sample
 * of the run's invoices is rendered to PDF in Node with the worker's renderer, CPU time per render
 * measured.
 */
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  addMonths,
  type BillableService,
  type Charge,
  type Month,
  monthOfDate,
  recurringCharges,
  usageCharge,
} from "../worker/domain/billing/bill-runs/charges";
import { renderInvoicePdf } from "../worker/domain/billing/invoices/pdf";
import type { InvoiceView } from "../worker/domain/billing/invoices/schemas";
import { ulid } from "../worker/lib/ids";
import {
  benchState,
  type Check,
  countCheck,
  cpuShare,
  machineReport,
  ms,
  printTable,
  printTargets,
  prng,
  type Stats,
  signedInWorker,
  statsRow,
  summarize,
  type Target,
  verdict,
  writeResults,
} from "./lib";

const CUSTOMERS = Number(process.env.BENCH_BILLING_CUSTOMERS ?? 20_000);
const SERVICES = Number(process.env.BENCH_BILLING_SERVICES ?? 100_000);
const PDFS = Number(process.env.BENCH_BILLING_PDFS ?? 200);
const PDF_WARMUP = 20;
// Every hundredth customer has no service: nothing to bill, so no invoice.
const IDLE_EVERY = 100;
const POSTPAID_SHARE = 0.6;
// Services activated during the billed month: their first charge is prorated to the second.
const PRORATED_SHARE = 0.1;
// Services with usage last month (one row per day, as the runner syncs what CGRateS rated); only the
// postpaid ones are billed for it, prepaid usage was paid from the balance.
const USAGE_SHARE = { postpaid: 0.8, prepaid: 0.3 };
const USAGE_DAYS = 6;
// GET /bill-runs/{id} sums the run's invoices: polled once a second so it takes little from the run.
const POLL_MS = 1_000;
const TIMEOUT_S = Number(process.env.BENCH_BILLING_TIMEOUT_S ?? 1_800);
const TARGETS = { billRunSeconds: 120, pdfP95CpuMs: 50 };
const SERIES = "INV";
const DAY_MS = 86_400_000;

type Product = {
  id: string;
  versionId: string;
  slug: string;
  name: string;
  serviceType: string;
  price: number;
  wholesale: number;
  sold: "postpaid" | "prepaid" | "both";
};

const PRODUCTS: Omit<Product, "id" | "versionId">[] = [
  { slug: "bench-mobile-postpaid", name: "Mobile 50 GB", serviceType: "mobile", price: 1999, wholesale: 850, sold: "postpaid" },
  { slug: "bench-mobile-prepaid", name: "Mobile prepaid 10 GB", serviceType: "mobile", price: 999, wholesale: 420, sold: "prepaid" },
  { slug: "bench-fibre", name: "Fibre 1 Gb/s", serviceType: "fixed_internet", price: 3499, wholesale: 1900, sold: "both" },
  { slug: "bench-voip", name: "VoIP line", serviceType: "voip", price: 1299, wholesale: 400, sold: "postpaid" },
  { slug: "bench-tv", name: "TV option", serviceType: "iptv", price: 799, wholesale: 350, sold: "both" },
];

const SETTINGS = {
  operator_name: "Bench Telecom",
  legal_name: "Bench Telecom SAS",
  legal_address: "12 rue de la République\n69002 Lyon\nFrance",
  vat_number: "FR12345678901",
  support_email: "billing@example.com",
  website: "https://telecom.example.com",
};

type Usage = { day: string; amount: number };
type Service = { id: string; product: Product; activatedAt: string; usage: Usage[] };
type Customer = {
  id: string;
  name: string;
  type: "individual" | "business";
  postpaid: boolean;
  locale: string;
  terms: number | null;
  createdAt: string;
  services: Service[];
};

/** The products, with ids as the app makes them. */
function catalog(): Product[] {
  return PRODUCTS.map((p) => ({ ...p, id: `prd_${ulid()}`, versionId: `prv_${ulid()}` }));
}

/** An ISO instant `ms` after the epoch, to the second (as the lifecycle records activations). */
const instant = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();

/**
 * The data set (deterministic but for the ids): customers in id order, every `IDLE_EVERY`-th one
 * without a service; one service for each of the others, the rest spread at random; activations in
 * the two years before the billed month, or during it; usage on days of the month before.
 */
function dataSet(month: Month, products: Product[]): Customer[] {
  const random = prng(20_261_201);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const start = Date.parse(`${month.start}T00:00:00Z`);
  const end = Date.parse(`${addMonths(month, 1).start}T00:00:00Z`);
  const previous = Date.parse(`${addMonths(month, -1).start}T00:00:00Z`);
  const usageDays = Math.round((start - previous) / DAY_MS);
  const forPostpaid = products.filter((p) => p.sold !== "prepaid");
  const forPrepaid = products.filter((p) => p.sold !== "postpaid");
  const customers: Customer[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const business = random() < 0.2;
    customers.push({
      id: `cus_${ulid()}`,
      name: business
        ? `${pick(["Atelier", "Cabinet", "Garage", "Boulangerie", "Studio"])} ${pick(["Martin", "Bernard", "Dubois", "Durand", "Lefèvre"])} ${i}`
        : `Client ${i}`,
      type: business ? "business" : "individual",
      postpaid: random() < POSTPAID_SHARE,
      locale: random() < 0.7 ? "fr-FR" : "en-GB",
      terms: business ? pick([15, 30, 45]) : null,
      createdAt: instant(start - 800 * DAY_MS),
      services: [],
    });
  }
  const billable = customers.filter((_, i) => i % IDLE_EVERY !== IDLE_EVERY - 1);
  for (let n = 0; n < SERVICES; n++) {
    const customer = (n < billable.length ? billable[n] : pick(billable)) as Customer;
    const activated = random() < PRORATED_SHARE ? start + random() * (end - start) : start - DAY_MS - random() * 730 * DAY_MS;
    const usage: Usage[] = [];
    if (activated < start && random() < (customer.postpaid ? USAGE_SHARE.postpaid : USAGE_SHARE.prepaid)) {
      // Days of last month the service was live on, a few of them with rated usage.
      const first = Math.max(0, Math.ceil((activated - previous) / DAY_MS));
      const days = new Set<number>();
      for (let d = 0; d < USAGE_DAYS && first < usageDays; d++) days.add(first + Math.floor(random() * (usageDays - first)));
      for (const d of [...days].sort((a, b) => a - b)) usage.push({ day: instant(previous + d * DAY_MS).slice(0, 10), amount: 1 + Math.floor(random() * 800) });
    }
    customer.services.push({ id: `svc_${ulid()}`, product: pick(customer.postpaid ? forPostpaid : forPrepaid), activatedAt: instant(activated), usage });
  }
  return customers;
}

/** What the charge rules give each customer for the month (the worker's own rules, pure functions). */
function expectedCharges(customer: Customer, month: Month, taxRateBp: number): Charge[] {
  const charges: Charge[] = [];
  for (const s of customer.services) {
    const billable: BillableService = {
      id: s.id,
      customerId: customer.id,
      productName: s.product.name,
      recurringPeriod: "monthly",
      prorate: true,
      price: s.product.price,
      wholesale: s.product.wholesale,
      currency: "EUR",
      taxRateBp,
      activatedAt: s.activatedAt,
      terminatedAt: null,
    };
    const rated = s.usage.reduce((n, u) => n + u.amount, 0);
    for (const c of [...recurringCharges(billable, month), customer.postpaid ? usageCharge(billable, month, rated) : null]) if (c) charges.push(c);
  }
  return charges;
}

type Seed = { seconds: number; rows: number; taxRateBp: number };

/** The standard tax rate, the catalogue, the customers, their services and usage: one transaction, prepared statements. */
function seed(file: string, products: Product[], customers: Customer[]): Seed {
  const db = new Database(file);
  try {
    const now = new Date().toISOString();
    const insert = {
      // Migration 0003 inserts the standard rate; the same row again changes nothing.
      taxRate: db.prepare(
        `INSERT OR IGNORE INTO tax_rates (id, tax_class, name, rate_bp, jurisdiction, created_at, updated_at) VALUES ('txr_standard', 'standard', 'Standard rate', 2000, 'FR', ?, ?)`,
      ),
      product: db.prepare(
        `INSERT INTO products (id, name, slug, description, type, service_type, status, currency, tax_class, recurring_period, prorate, provisioning_play,
           provisioning_json_vars, required_inventory, cgrates, components, compatible_with, promotion, eligibility, allow_negative, low_balance_thresholds,
           current_version, created_at, updated_at)
         VALUES (?, ?, ?, NULL, 'standalone', ?, 'active', 'EUR', 'standard', 'monthly', 1, 'charging_account', '{}', '[]',
           '{"account_options":{},"action_plan":null,"actions":null}', '[]', '[]', NULL, '{"customer_types":["individual","business"]}', 0, '{}', 1, ?, ?)`,
      ),
      version: db.prepare(
        `INSERT INTO product_versions (id, product_id, version, retail_price, wholesale_price, retail_setup_fee, wholesale_setup_fee, included_balances, created_at)
         VALUES (?, ?, 1, ?, ?, 0, 0, '[]', ?)`,
      ),
      customer: db.prepare(
        `INSERT INTO customers (id, name, type, status, payment_type, currency, locale, timezone, external_id, notes, created_at, updated_at, archived_at,
           payment_terms_days)
         VALUES (?, ?, ?, 'open', ?, 'EUR', ?, 'Europe/Paris', NULL, NULL, ?, ?, NULL, ?)`,
      ),
      service: db.prepare(
        `INSERT INTO services (id, customer_id, product_id, product_version_id, site_id, contact_id, parent_service_id, status, identifiers, vars,
           activated_at, terminated_at, created_at, updated_at, charging_synced_at)
         VALUES (?, ?, ?, ?, NULL, NULL, NULL, 'active', '{}', '{}', ?, NULL, ?, ?, NULL)`,
      ),
      usage: db.prepare(`INSERT INTO usage_records (service_id, day, unit, amount) VALUES (?, ?, 'monetary', ?)`),
    };
    let rows = 0;
    const started = performance.now();
    db.transaction(() => {
      insert.taxRate.run(now, now);
      for (const p of products) {
        insert.product.run(p.id, p.name, p.slug, p.serviceType, now, now);
        insert.version.run(p.versionId, p.id, p.price, p.wholesale, now);
        rows += 2;
      }
      for (const c of customers) {
        insert.customer.run(c.id, c.name, c.type, c.postpaid ? "postpaid" : "prepaid", c.locale, c.createdAt, c.createdAt, c.terms);
        rows++;
        for (const s of c.services) {
          insert.service.run(s.id, c.id, s.product.id, s.product.versionId, s.activatedAt, s.activatedAt, s.activatedAt);
          for (const u of s.usage) insert.usage.run(s.id, u.day, u.amount);
          rows += 1 + s.usage.length;
        }
      }
    })();
    const seconds = (performance.now() - started) / 1000;
    const rate = db.prepare(`SELECT rate_bp AS r FROM tax_rates WHERE tax_class = 'standard'`).get() as { r: number };
    // workerd must find the rows in the main file, not in a WAL it does not know about.
    db.pragma("wal_checkpoint(TRUNCATE)");
    return { seconds, rows, taxRateBp: rate.r };
  } finally {
    db.close();
  }
}

type RawInsert = { seconds: number; rows: number; invoices: number; transactions: number; lines: number; activity: number };

/**
 * The rows a bill run writes, as they stand once it is done (transactions already on their invoice,
 * invoices issued with numbers, totals and due dates, lines, two activity entries per invoice, the
 * sequence), inserted with better-sqlite3 in one transaction into a copy of the seeded file.
 */
function rawInsert(file: string, customers: Customer[], charges: Map<string, Charge[]>, month: Month): RawInsert {
  const db = new Database(file);
  try {
    const now = new Date().toISOString();
    const year = Number(now.slice(0, 4));
    const insert = {
      transaction: db.prepare(
        `INSERT INTO transactions (id, customer_id, service_id, kind, description, date, amount, tax_amount, tax_rate_bp, wholesale_amount, currency, invoice_id,
           reverses_id, source_key, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'EUR', ?, NULL, ?, ?)`,
      ),
      invoice: db.prepare(
        `INSERT INTO invoices (id, kind, series, number, customer_id, status, period_start, period_end, currency, subtotal_amount, tax_amount, total_amount,
           amount_due, due_date, issued_at, voided_at, credits_invoice_id, reason, bill_run_id, created_at, updated_at)
         VALUES (?, 'invoice', ?, ?, ?, 'issued', ?, ?, 'EUR', ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, 'brn_raw', ?, ?)`,
      ),
      line: db.prepare(
        `INSERT INTO invoice_lines (id, invoice_id, position, transaction_id, description, amount, tax_amount, tax_rate_bp, active, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
      ),
      activity: db.prepare(
        `INSERT INTO activity_log (id, at, actor_type, actor_id, actor_label, entity, entity_id, customer_id, action, changes, request_id)
         VALUES (?, ?, 'system', NULL, 'bill run', 'invoice', ?, ?, ?, ?, NULL)`,
      ),
      sequence: db.prepare(`INSERT INTO invoice_sequences (series, year, last) VALUES (?, ?, ?)`),
    };
    // Every id and figure made before the clock starts: only the insert is timed.
    type Row = { txn: string; line: string; charge: Charge };
    const invoices = customers
      .filter((c) => (charges.get(c.id)?.length ?? 0) > 0)
      .map((c, n) => {
        const rows: Row[] = (charges.get(c.id) ?? []).map((charge) => ({ txn: `txn_${ulid()}`, line: `inl_${ulid()}`, charge }));
        const signed = (r: Row, v: number) => (r.charge.kind === "credit" ? -v : v);
        const subtotal = rows.reduce((s, r) => s + signed(r, r.charge.amount), 0);
        const tax = rows.reduce((s, r) => s + signed(r, r.charge.taxAmount), 0);
        const due = new Date(Date.parse(now) + (c.terms ?? 30) * DAY_MS).toISOString().slice(0, 10);
        return { id: `inv_${ulid()}`, number: `${SERIES}-${year}-${String(n + 1).padStart(5, "0")}`, customer: c, rows, subtotal, tax, due };
      });
    const counts = { invoices: invoices.length, transactions: 0, lines: 0, activity: 0 };
    const started = performance.now();
    db.transaction(() => {
      for (const inv of invoices) {
        for (const r of inv.rows) {
          const c = r.charge;
          insert.transaction.run(
            r.txn,
            inv.customer.id,
            c.serviceId,
            c.kind,
            c.description,
            month.start,
            c.amount,
            c.taxAmount,
            c.taxRateBp,
            c.wholesaleAmount,
            inv.id,
            c.sourceKey,
            now,
          );
        }
        const total = inv.subtotal + inv.tax;
        insert.invoice.run(inv.id, SERIES, inv.number, inv.customer.id, month.start, month.end, inv.subtotal, inv.tax, total, total, inv.due, now, now, now);
        inv.rows.forEach((r, position) => {
          const sign = r.charge.kind === "credit" ? -1 : 1;
          insert.line.run(
            r.line,
            inv.id,
            position + 1,
            r.txn,
            r.charge.description,
            sign * r.charge.amount,
            sign * r.charge.taxAmount,
            r.charge.taxRateBp,
            now,
          );
        });
        insert.activity.run(`act_${ulid()}`, now, inv.id, inv.customer.id, "invoice.create", JSON.stringify({ total_amount: { before: null, after: total } }));
        insert.activity.run(`act_${ulid()}`, now, inv.id, inv.customer.id, "invoice.issue", JSON.stringify({ number: { before: null, after: inv.number } }));
        counts.transactions += inv.rows.length;
        counts.lines += inv.rows.length;
        counts.activity += 2;
      }
      insert.sequence.run(SERIES, year, invoices.length);
    })();
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rows: counts.invoices + counts.transactions + counts.lines + counts.activity + 1, ...counts };
  } finally {
    db.close();
  }
}

type BillRunView = {
  id: string;
  status: "queued" | "running" | "completed" | "failed";
  job_status: string | null;
  customers_total: number;
  customers_done: number;
  invoices: number;
  errors: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  totals: { currency: string; invoices: number; subtotal_amount: number; tax_amount: number; total_amount: number }[];
  error_list: { customer_id: string; message: string }[];
};

type Progress = { seconds: number; customersDone: number; invoices: number };

/** Chunk start times as the run recorded them (each chunk's invoices carry its clock), and the time between them. */
function chunkTimeline(db: Database.Database, runId: string, finishedAt: string | null) {
  const starts = db
    .prepare(`SELECT created_at AS at, count(*) AS invoices FROM invoices WHERE bill_run_id = ? GROUP BY created_at ORDER BY created_at`)
    .all(runId) as { at: string; invoices: number }[];
  const ends = [...starts.slice(1).map((s) => s.at), finishedAt];
  const chunks = starts.map((s, i) => ({ at: s.at, invoices: s.invoices, ms: ends[i] ? Date.parse(ends[i] as string) - Date.parse(s.at) : Number.NaN }));
  return chunks.filter((c) => Number.isFinite(c.ms));
}

/** The run's invoices as D1 holds them, measured against what the data set and the charge rules say. */
function runChecks(db: Database.Database, run: BillRunView, month: Month, customers: Customer[], charges: Map<string, Charge[]>): Check[] {
  const billed = customers.filter((c) => (charges.get(c.id)?.length ?? 0) > 0);
  const idle = customers.filter((c) => (charges.get(c.id)?.length ?? 0) === 0).map((c) => c.id);
  const all = [...charges.values()].flat();
  const expectedTotal = all.reduce((s, c) => s + (c.kind === "credit" ? -1 : 1) * (c.amount + c.taxAmount), 0);
  const prorated = all.filter((c) => c.sourceKey.startsWith("recurring:") && c.description.endsWith("(prorated)")).length;
  const year = Number(run.finished_at?.slice(0, 4) ?? new Date().getUTCFullYear());
  const prefix = `${SERIES}-${year}-`;
  const numbers = db
    .prepare(
      `SELECT count(*) AS n, count(DISTINCT number) AS distinctNumbers, min(CAST(substr(number, @from) AS INTEGER)) AS low,
              max(CAST(substr(number, @from) AS INTEGER)) AS high
       FROM invoices WHERE bill_run_id = @run AND number LIKE @pattern`,
    )
    .get({ run: run.id, from: prefix.length + 1, pattern: `${prefix}%` }) as { n: number; distinctNumbers: number; low: number | null; high: number | null };
  const sequence = db.prepare(`SELECT last FROM invoice_sequences WHERE series = ? AND year = ?`).get(SERIES, year) as { last: number } | undefined;
  const sums = db
    .prepare(
      `SELECT (SELECT coalesce(sum(total_amount), 0) FROM invoices WHERE bill_run_id = @run) AS invoices,
              (SELECT coalesce(sum(l.amount + l.tax_amount), 0) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.bill_run_id = @run AND l.active = 1) AS lines`,
    )
    .get({ run: run.id }) as { invoices: number; lines: number };
  const n = billed.length;
  const check = (name: string, value: number | string, expected: number | string): Check => ({
    name,
    value: String(value),
    expected: String(expected),
    pass: String(value) === String(expected),
  });
  return [
    check("bill run status", run.status, "completed"),
    check("customers done / total", `${run.customers_done} / ${run.customers_total}`, `${customers.length} / ${customers.length}`),
    check("customers the run could not bill (bill_run_errors)", run.errors, 0),
    countCheck(db, "invoices of the run (= customers with something to bill)", `SELECT count(*) AS n FROM invoices WHERE bill_run_id = ?`, n, run.id),
    countCheck(
      db,
      "customers with more than one invoice for the period",
      `SELECT count(*) AS n FROM (SELECT customer_id FROM invoices WHERE kind = 'invoice' AND status != 'void' AND period_start = ? AND period_end = ?
         GROUP BY customer_id HAVING count(*) > 1)`,
      0,
      month.start,
      month.end,
    ),
    countCheck(
      db,
      "invoices of customers with nothing to bill",
      `SELECT count(*) AS n FROM invoices WHERE customer_id IN (SELECT value FROM json_each(?))`,
      0,
      JSON.stringify(idle),
    ),
    countCheck(
      db,
      "invoices not issued (status, number, due date)",
      `SELECT count(*) AS n FROM invoices WHERE bill_run_id = ? AND (status != 'issued' OR number IS NULL OR due_date IS NULL OR issued_at IS NULL)`,
      0,
      run.id,
    ),
    check(`invoice numbers ${prefix}…, gap-free`, `${numbers.distinctNumbers} distinct, ${numbers.low}..${numbers.high}`, `${n} distinct, 1..${n}`),
    check(`invoice_sequences ${SERIES} ${year}: last`, sequence?.last ?? "none", n),
    countCheck(
      db,
      "invoices whose totals differ from their lines",
      `SELECT count(*) AS n FROM invoices i WHERE bill_run_id = ? AND (
         subtotal_amount != (SELECT coalesce(sum(amount), 0) FROM invoice_lines l WHERE l.invoice_id = i.id AND l.active = 1)
         OR tax_amount != (SELECT coalesce(sum(tax_amount), 0) FROM invoice_lines l WHERE l.invoice_id = i.id AND l.active = 1)
         OR total_amount != subtotal_amount + tax_amount OR amount_due != total_amount)`,
      0,
      run.id,
    ),
    check("Σ invoice total_amount = Σ lines (amount + tax_amount)", sums.invoices, sums.lines),
    check("Σ invoice total_amount = Σ charges by the charge rules", sums.invoices, expectedTotal),
    countCheck(db, "transactions (= charges by the charge rules)", `SELECT count(*) AS n FROM transactions`, all.length),
    countCheck(
      db,
      "invoice lines of the run",
      `SELECT count(*) AS n FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.bill_run_id = ? AND l.active = 1`,
      all.length,
      run.id,
    ),
    countCheck(db, "transactions left off an invoice", `SELECT count(*) AS n FROM transactions WHERE invoice_id IS NULL`, 0),
    countCheck(
      db,
      "prorated first charges",
      `SELECT count(*) AS n FROM transactions WHERE source_key LIKE 'recurring:%' AND description LIKE '%(prorated)'`,
      prorated,
    ),
    countCheck(
      db,
      "usage charged to prepaid customers",
      `SELECT count(*) AS n FROM transactions t JOIN customers c ON c.id = t.customer_id WHERE c.payment_type = 'prepaid' AND t.source_key LIKE 'usage:%'`,
      0,
    ),
  ];
}

type PdfInput = Parameters<typeof renderInvoicePdf>[0];

/** `count` of the run's invoices spread over its numbers, with their lines, as the worker's renderer takes them. */
function pdfInputs(db: Database.Database, runId: string, count: number): PdfInput[] {
  const rows = db
    .prepare(
      `SELECT i.id, i.kind, i.number, i.customer_id, i.status, i.period_start, i.period_end, i.currency, i.subtotal_amount, i.tax_amount, i.total_amount,
              i.amount_due, i.due_date, i.issued_at, i.voided_at, i.credits_invoice_id, i.reason, i.created_at, c.name AS customer_name, c.locale
       FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.bill_run_id = ? ORDER BY i.number`,
    )
    .all(runId) as (Omit<InvoiceView, "lines" | "credit_notes"> & { customer_name: string; locale: string })[];
  const lines = db.prepare(
    `SELECT id, description, amount, tax_amount, tax_rate_bp, transaction_id FROM invoice_lines WHERE invoice_id = ? AND active = 1 ORDER BY position`,
  );
  const random = prng(20_261_202);
  const step = Math.max(1, rows.length / count);
  const out: PdfInput[] = [];
  for (let k = 0; k < count && Math.floor(k * step) < rows.length; k++) {
    const { customer_name, locale, ...invoice } = rows[Math.floor(k * step)] as (typeof rows)[number];
    out.push({
      invoice: { ...invoice, lines: lines.all(invoice.id) as InvoiceView["lines"], credit_notes: [] },
      customer: { name: customer_name, lines: [`${1 + Math.floor(random() * 180)} avenue Jean Jaurès`, "69007 Lyon", "France"] },
      locale,
      settings: SETTINGS,
    });
  }
  return out;
}

type PdfRun = { cpu: Stats; wall: Stats; renders: number; meanLines: number; meanKiB: number; maxLines: number };

/** Renders each input once after a warm-up, CPU time of this process per render (user + system) and wall time. */
async function renderPdfs(inputs: PdfInput[]): Promise<PdfRun> {
  const cpu: number[] = [];
  const wall: number[] = [];
  const sizes: number[] = [];
  for (const [i, input] of inputs.entries()) {
    const cpuAtStart = process.cpuUsage();
    const started = performance.now();
    const bytes = await renderInvoicePdf(input);
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpuAtStart);
    if (i < PDF_WARMUP) continue;
    cpu.push((used.user + used.system) / 1000);
    wall.push(elapsed);
    sizes.push(bytes.length);
  }
  const measured = inputs.slice(PDF_WARMUP).map((p) => p.invoice.lines.length);
  return {
    cpu: summarize(cpu),
    wall: summarize(wall),
    renders: cpu.length,
    meanLines: measured.reduce((s, n) => s + n, 0) / Math.max(1, measured.length),
    maxLines: Math.max(0, ...measured),
    meanKiB: sizes.reduce((s, n) => s + n, 0) / Math.max(1, sizes.length) / 1024,
  };
}

export type BillingOptions = { keep?: boolean };

/** Seeds, bills the month, checks what the run wrote, renders PDFs; prints and saves the results. */
export async function run(options: BillingOptions = {}) {
  return benchState("billing", { keep: options.keep, sockets: 2 }, async ({ startedAt, stateDir, file, agent, startWorker }) => {
    const month = monthOfDate(new Date().toISOString());
    const products = catalog();
    const customers = dataSet(month, products);
    const seeded = seed(file, products, customers);
    const charges = new Map(customers.map((c) => [c.id, expectedCharges(c, month, seeded.taxRateBp)]));
    const services = customers.reduce((n, c) => n + c.services.length, 0);
    console.log(
      `  seeded ${customers.length} customers, ${services} services, ${seeded.rows} rows in ${seeded.seconds.toFixed(1)} s; billing ${month.start} – ${month.end}`,
    );

    // The baseline on a copy of the seeded file, before the worker starts (nothing else on the CPUs).
    const scratch = join(stateDir, "raw-baseline.sqlite");
    copyFileSync(file, scratch);
    const raw = rawInsert(scratch, customers, charges, month);
    rmSync(scratch, { force: true });
    console.log(`  raw insert of the run's rows: ${raw.rows} rows (${raw.invoices} invoices) in ${raw.seconds.toFixed(2)} s`);

    const { loadAtStart, api, clock } = await signedInWorker({ startWorker, agent }, "bench/billing");
    const cpuAtStart = clock?.() ?? null;
    const started = performance.now();
    const made = await api.post(agent, "/api/v1/bill-runs", { period_start: month.start, period_end: month.end, issue: true }, 202);
    const runId = String(made.id);
    const progress: Progress[] = [];
    let view: BillRunView | undefined;
    let signedInAt = performance.now();
    let reportedAt = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      // Access tokens live 15 minutes; a slow run outlives one.
      if (performance.now() - signedInAt > 10 * 60_000) {
        await api.login(agent);
        signedInAt = performance.now();
      }
      view = (await api.get(agent, `/api/v1/bill-runs/${runId}`)) as BillRunView;
      const seconds = (performance.now() - started) / 1000;
      progress.push({ seconds, customersDone: view.customers_done, invoices: view.invoices });
      if (view.status === "completed" || view.status === "failed" || seconds > TIMEOUT_S) break;
      if (seconds - reportedAt >= 15) {
        reportedAt = seconds;
        console.log(`  ${seconds.toFixed(0)} s: ${view.customers_done} / ${view.customers_total} customers, ${view.invoices} invoices`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const workerd = cpuShare(clock, cpuAtStart, 1, seconds);
    const workerSeconds = view.finished_at ? (Date.parse(view.finished_at) - Date.parse(view.created_at)) / 1000 : Number.NaN;
    console.log(`  bill run ${view.status} after ${seconds.toFixed(1)} s: ${view.invoices} invoices, ${view.errors} errors`);

    // The worker is idle now: D1 read beside it.
    const db = new Database(file, { readonly: true, fileMustExist: true });
    let checks: Check[];
    let chunks: ReturnType<typeof chunkTimeline>;
    let inputs: PdfInput[];
    try {
      checks = runChecks(db, view, month, customers, charges);
      chunks = chunkTimeline(db, runId, view.finished_at);
      inputs = pdfInputs(db, runId, PDF_WARMUP + PDFS);
    } finally {
      db.close();
    }
    const pdf = await renderPdfs(inputs);

    const chunkStats = summarize(chunks.map((c) => c.ms));
    const tenth = Math.max(1, Math.floor(chunks.length / 10));
    const meanOf = (xs: { ms: number }[]) => xs.reduce((s, c) => s + c.ms, 0) / Math.max(1, xs.length);
    const firstChunks = meanOf(chunks.slice(0, tenth));
    const lastChunks = meanOf(chunks.slice(-tenth));
    const queueWait = chunks[0] ? (Date.parse(chunks[0].at) - Date.parse(view.created_at)) / 1000 : Number.NaN;
    const invoicesPerSecond = view.invoices / seconds;
    const checksPass = checks.every((c) => c.pass);
    const targets: Target[] = [
      {
        name: `bill run, ${customers.length} customers / ${services} services: POST → completed`,
        value: `${seconds.toFixed(1)} s (${invoicesPerSecond.toFixed(0)} invoices/s)`,
        limit: `<= ${TARGETS.billRunSeconds} s`,
        pass: view.status === "completed" && seconds <= TARGETS.billRunSeconds,
      },
      {
        name: "bill run: what D1 holds afterwards",
        value: checksPass ? "all checks" : `${checks.filter((c) => !c.pass).length} checks failed`,
        limit: "all checks",
        pass: checksPass,
      },
      {
        name: "PDF render p95, CPU per invoice",
        value: `${ms(pdf.cpu.p95)} ms`,
        limit: `<= ${TARGETS.pdfP95CpuMs} ms`,
        pass: pdf.cpu.p95 <= TARGETS.pdfP95CpuMs,
      },
    ];

    console.log("");
    const runRows = raw.rows;
    printTable([
      ["step", "rows", "seconds", "rows/s", "invoices/s", "workerd CPU s", "core"],
      [
        "seed: customers, products, services, usage (better-sqlite3, one transaction)",
        String(seeded.rows),
        seeded.seconds.toFixed(2),
        (seeded.rows / seeded.seconds).toFixed(0),
        "",
        "",
        "",
      ],
      [
        "the run's rows, raw insert (better-sqlite3, one transaction)",
        String(raw.rows),
        raw.seconds.toFixed(2),
        (raw.rows / raw.seconds).toFixed(0),
        (raw.invoices / raw.seconds).toFixed(0),
        "",
        "",
      ],
      [
        "bill run: POST → completed (bundled worker, queue consumer, local D1)",
        String(runRows),
        seconds.toFixed(2),
        (runRows / seconds).toFixed(0),
        invoicesPerSecond.toFixed(1),
        workerd ? (workerd.msPerRequest / 1000).toFixed(1) : "-",
        workerd ? `${Math.round(workerd.coreShare * 100)}%` : "-",
      ],
    ]);
    console.log(
      `(bill run / raw insert of the same rows: ${(seconds / raw.seconds).toFixed(0)}×; the run's rows: ${raw.transactions} transactions, ${raw.invoices} invoices, ` +
        `${raw.lines} lines, ${raw.activity} activity entries, 1 sequence; worker clock created → finished ${workerSeconds.toFixed(1)} s, ` +
        `POST → first chunk ${queueWait.toFixed(1)} s)`,
    );
    console.log("");
    printTable([
      ["bill-run chunk (time between chunk starts)", "n", "mean ms", "p50 ms", "p95 ms", "p99 ms", "max ms", "first 10% mean", "last 10% mean", "customers/s"],
      statsRow(
        `${Math.round(customers.length / Math.max(1, chunks.length))} customers per chunk`,
        chunkStats,
        ms(firstChunks),
        ms(lastChunks),
        ((customers.length / Math.max(1, chunks.length) / chunkStats.mean) * 1000).toFixed(0),
      ),
    ]);
    console.log("");
    printTable([
      ["PDF render (Node, pdf-lib)", "n", "mean ms", "p50 ms", "p95 ms", "p99 ms", "max ms", "lines/invoice", "KiB"],
      statsRow("CPU (process user + system)", pdf.cpu, `${pdf.meanLines.toFixed(1)} (max ${pdf.maxLines})`, pdf.meanKiB.toFixed(1)),
      statsRow("wall", pdf.wall, "", ""),
    ]);
    console.log("");
    printTable([["after the run", "value", "expected", "result"], ...checks.map((c) => [c.name, c.value, c.expected, verdict(c.pass)])]);
    console.log("");
    printTargets(targets);
    const machine = machineReport(loadAtStart);

    const result = {
      benchmark: "billing",
      startedAt: startedAt.toISOString(),
      machine,
      method: {
        customers: customers.length,
        services,
        idleEvery: IDLE_EVERY,
        postpaidShare: POSTPAID_SHARE,
        proratedShare: PRORATED_SHARE,
        usageShare: USAGE_SHARE,
        usageDays: USAGE_DAYS,
        month,
        pollMs: POLL_MS,
        pdfRenders: PDFS,
        pdfWarmup: PDF_WARMUP,
        rawInsert: "the rows the run writes, as they stand once it is done, into a copy of the seeded file: one transaction, prepared statements",
        chunkTimes: "differences between the created_at of consecutive chunks' invoices (each chunk's clock), the last to the run's finished_at",
        pdfCpu: "process.cpuUsage() delta (user + system) around one renderInvoicePdf call",
      },
      seed: seeded,
      rawInsert: raw,
      billRun: {
        id: runId,
        status: view.status,
        seconds,
        workerSeconds,
        queueWaitSeconds: queueWait,
        invoices: view.invoices,
        invoicesPerSecond,
        errors: view.errors,
        totals: view.totals,
        workerdCpu: workerd ? { seconds: workerd.msPerRequest / 1000, coreShare: workerd.coreShare } : null,
        chunks: { stats: chunkStats, firstTenthMeanMs: firstChunks, lastTenthMeanMs: lastChunks, each: chunks },
        progress,
        errorList: view.error_list.slice(0, 10),
      },
      checks,
      pdf,
      targets,
    };
    console.log(`results: ${writeResults("billing", result, startedAt)}`);
    return result;
  });
}
