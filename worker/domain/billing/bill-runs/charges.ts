/**
 * What a bill run charges, as pure functions (no D1): recurring charges in advance, the true-up of a
 * service's last period, and postpaid usage in arrears.
 *
 * Periods. A bill run bills one UTC calendar month P = [P.start, next month's start).
 * - Monthly recurring charges are for P itself, in advance, dated P.start.
 * - Annual recurring charges fall in the run of the service's anniversary month (the month it was
 *   activated in) and cover the twelve months from that month's start.
 * - First and last periods are prorated to the second when the product says `prorate`: the charge is
 *   price × (seconds the service is live in the window) / (seconds of the window), rounded half-even.
 *   A service activated mid-period pays from its activation; one terminated within the window it was
 *   charged for in advance gets the unused part back as a credit in the next run (`recurring-credit`).
 *   Without `prorate`, any live second in the window costs the whole price and nothing comes back.
 * - Postpaid usage is charged in arrears: the run for P charges the month before P, the money CGRateS
 *   rated for it (usage records of unit `monetary`, synced by the runner) — the BSS never re-rates.
 * - A service activated during the month before P, after that month's run, was never charged for
 *   its first (partial) period: the run for P charges it too (`recurringCharges`). The source key
 *   makes this a no-op when the earlier run did charge it. Services live before that month are not
 *   caught up: a first run on a new system does not bill the month before it.
 * Every charge has a source key naming its service and window, unique in `transactions`, so a run
 * made twice (or resumed after a crash) never charges twice.
 */
import { lineTax, prorate } from "../../../lib/money";

export type Month = { start: string; end: string };

/** A calendar month from its first day (`2026-12-01`); null unless it is the first day of a month. */
export function monthFrom(start: string): Month | null {
  const m = /^(\d{4})-(\d{2})-01$/.exec(start);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { start, end: `${m[1]}-${m[2]}-${String(last).padStart(2, "0")}` };
}

/** The month containing a date (`YYYY-MM-DD…`). */
export function monthOfDate(date: string): Month {
  return monthFrom(`${date.slice(0, 7)}-01`) as Month;
}

/** The month `n` months after (or before, negative) `month`. */
export function addMonths(month: Month, n: number): Month {
  const d = new Date(`${month.start}T00:00:00Z`);
  const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
  return monthFrom(next.toISOString().slice(0, 10)) as Month;
}

const ms = (date: string) => Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date);

/** A half-open window of time in milliseconds. */
export type Window = { from: number; to: number; key: string; label: string };

export type BillableService = {
  id: string;
  customerId: string;
  productName: string;
  recurringPeriod: "monthly" | "annual" | "none";
  prorate: boolean;
  /** Retail and wholesale price per period, minor units of `currency`. */
  price: number;
  wholesale: number;
  currency: string;
  /** Null when the product's tax class has no rate (the customer is reported, not billed); 0 for an exempt customer. */
  taxRateBp: number | null;
  /** Prices include the tax (an inclusive rate): a line's net is the price less its tax. */
  taxInclusive?: boolean;
  activatedAt: string | null;
  terminatedAt: string | null;
};

export type Charge = {
  serviceId: string;
  kind: "charge" | "credit";
  description: string;
  amount: number;
  taxAmount: number;
  taxRateBp: number;
  wholesaleAmount: number;
  sourceKey: string;
};

/** The recurring window of a service that a run for `month` charges, or null (none falls in it). */
export function recurringWindow(service: BillableService, month: Month): Window | null {
  if (service.recurringPeriod === "none" || !service.activatedAt) return null;
  if (service.recurringPeriod === "monthly") {
    return { from: ms(month.start), to: ms(addMonths(month, 1).start), key: month.start, label: month.start.slice(0, 7) };
  }
  // Annual: the run of the anniversary month charges the next twelve months.
  if (service.activatedAt.slice(5, 7) !== month.start.slice(5, 7) || service.activatedAt.slice(0, 7) > month.start.slice(0, 7)) return null;
  const end = addMonths(month, 12);
  return { from: ms(month.start), to: ms(end.start), key: month.start, label: `${month.start.slice(0, 7)} – ${addMonths(month, 11).start.slice(0, 7)}` };
}

/** The window a service was charged for in advance that contains `at` (for its last period's true-up). */
export function windowContaining(service: BillableService, at: string): Window | null {
  const month = monthOfDate(at);
  if (service.recurringPeriod === "monthly") return recurringWindow(service, month);
  if (service.recurringPeriod !== "annual" || !service.activatedAt) return null;
  const anniversary = Number(service.activatedAt.slice(5, 7));
  const back = (Number(month.start.slice(5, 7)) - anniversary + 12) % 12;
  return recurringWindow(service, addMonths(month, -back));
}

/** Seconds of `window` during which the service was live (activated, not yet terminated). */
export function liveSeconds(service: BillableService, window: Window): number {
  if (!service.activatedAt) return 0;
  const from = Math.max(window.from, ms(service.activatedAt));
  const to = Math.min(window.to, service.terminatedAt ? ms(service.terminatedAt) : window.to);
  return to > from ? Math.floor((to - from) / 1000) : 0;
}

/** What the window costs for the time the service was live in it (prorated or whole). */
export function windowCharge(service: BillableService, window: Window): number {
  const live = liveSeconds(service, window);
  if (live === 0) return 0;
  if (!service.prorate) return service.price;
  return prorate(service.price, live, (window.to - window.from) / 1000);
}

function charge(service: BillableService, kind: Charge["kind"], amount: number, wholesale: number, description: string, sourceKey: string): Charge {
  const rate = service.taxRateBp ?? 0;
  // Usage comes from CGRateS as what it charged: taxed like the product (inclusive or not).
  const { net, tax } = lineTax(amount, rate, service.taxInclusive);
  return { serviceId: service.id, kind, description, amount: net, taxAmount: tax, taxRateBp: rate, wholesaleAmount: wholesale, sourceKey };
}

/** The recurring charge of a service for a run of `month` (null when nothing is due). */
export function recurringCharge(service: BillableService, month: Month): Charge | null {
  const window = recurringWindow(service, month);
  if (!window) return null;
  const amount = windowCharge(service, window);
  if (amount <= 0) return null;
  const whole = window.to - window.from;
  const wholesale = service.prorate ? prorate(service.wholesale, liveSeconds(service, window), whole / 1000) : service.wholesale;
  const partial = amount !== service.price ? " (prorated)" : "";
  return charge(service, "charge", amount, wholesale, `${service.productName} — ${window.label}${partial}`, `recurring:${service.id}:${window.key}`);
}

/** The month before `month` when the service was activated in it (its first period, which that month's run may have missed). */
export function catchUpMonth(service: BillableService, month: Month): Month | null {
  const previous = addMonths(month, -1);
  return service.activatedAt?.slice(0, 7) === previous.start.slice(0, 7) ? previous : null;
}

/**
 * The recurring charges a run for `month` makes, each followed by the discounts that cover it: the
 * month's, and the first period's if the service was activated in the month before.
 */
export function recurringCharges(service: BillableService, month: Month, discounts: Discount[] = []): Charge[] {
  const previous = catchUpMonth(service, month);
  return (previous ? [previous, month] : [month]).flatMap((m) => {
    const charge = recurringCharge(service, m);
    return charge ? [charge, ...discountCharges(service, m, discounts)] : [];
  });
}

/**
 * The credit for the unused part of the window a service was charged for in advance and terminated
 * within: what was charged (`charged`, from its `recurring:` transaction) minus what its live time costs.
 */
export function terminationCredit(service: BillableService, charged: { amount: number; tax?: number; wholesale: number } | undefined): Charge | null {
  if (!service.terminatedAt || !service.prorate || !charged) return null;
  const window = windowContaining(service, service.terminatedAt);
  if (!window) return null;
  // In the price's terms: with tax for an inclusive rate (the row keeps net and tax apart).
  const paid = service.taxInclusive ? charged.amount + (charged.tax ?? 0) : charged.amount;
  const credit = paid - windowCharge(service, window);
  if (credit <= 0) return null;
  const whole = (window.to - window.from) / 1000;
  const wholesale = Math.max(0, charged.wholesale - prorate(service.wholesale, liveSeconds(service, window), whole));
  return charge(
    service,
    "credit",
    credit,
    wholesale,
    `${service.productName} — unused ${window.label} after termination`,
    `recurring-credit:${service.id}:${window.key}`,
  );
}

/** The `recurring:` source key a terminated service's true-up looks for. */
export function chargedKeyFor(service: BillableService): string | null {
  if (!service.terminatedAt) return null;
  const window = windowContaining(service, service.terminatedAt);
  return window ? `recurring:${service.id}:${window.key}` : null;
}

/** Postpaid usage of the month before `month`, as CGRateS rated it (minor units). */
export function usageCharge(service: BillableService, month: Month, rated: number): Charge | null {
  if (rated <= 0) return null;
  const usageMonth = addMonths(month, -1);
  return charge(service, "charge", rated, 0, `${service.productName} — usage ${usageMonth.start.slice(0, 7)}`, `usage:${service.id}:${usageMonth.start}`);
}

/** A discount on a service's recurring charges (a redeemed promo code). */
export type Discount = {
  id: string;
  serviceId: string;
  label: string;
  kind: "percent" | "fixed" | "free_months";
  value: number;
  /** Monthly periods it covers, from `starts`. */
  months: number;
  /** First month it covers (YYYY-MM-01). */
  starts: string;
};

/** Whole months from one month's first day to another's (negative when `to` is earlier). */
export function monthsBetween(from: string, to: string): number {
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + (Number(to.slice(5, 7)) - Number(from.slice(5, 7)));
}

/** What a discount takes off a recurring charge (never more than the charge): half-even for percents. */
export function discountAmount(discount: Pick<Discount, "kind" | "value">, charged: number): number {
  if (charged <= 0) return 0;
  if (discount.kind === "percent") return prorate(charged, discount.value, 100);
  if (discount.kind === "fixed") return Math.min(discount.value, charged);
  return charged;
}

/**
 * The discount lines of a service for a run of `month`: one credit per discount whose months cover
 * the recurring window being charged, at the charge's tax rate, keyed by discount and window.
 */
export function discountCharges(service: BillableService, month: Month, discounts: Discount[]): Charge[] {
  const window = recurringWindow(service, month);
  if (!window) return [];
  // Off the price of the period (with tax for an inclusive rate, like the price itself).
  const price = windowCharge(service, window);
  const out: Charge[] = [];
  for (const d of discounts) {
    const index = monthsBetween(d.starts, window.key);
    if (index < 0 || index >= d.months) continue;
    const amount = discountAmount(d, price);
    if (amount <= 0) continue;
    const what = d.kind === "percent" ? `${d.value} % off` : d.kind === "fixed" ? "discount" : "free month";
    // Short enough for an invoice line; the service's own line above says which product it is.
    out.push(charge(service, "credit", amount, 0, `Promo ${d.label}: ${what}, ${window.label}`, `discount:${d.id}:${window.key}`));
  }
  return out;
}
