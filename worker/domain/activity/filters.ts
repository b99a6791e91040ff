/**
 * What the activity log can be narrowed to beyond its columns: business events, and a period of whole
 * days in the operator's time zone (stored times are UTC; the zone is applied only to what staff type).
 */

/**
 * Entities whose entries are business events (orders, activations, failures, suspensions, terminations,
 * invoices, payments, cards, bill runs, alerts, retried jobs, low stock); sign-ins, users, roles, keys
 * and settings are not.
 */
export const BUSINESS_ENTITIES = [
  "customer",
  "service",
  "invoice",
  "payment",
  "payment_method",
  "bill_run",
  "broadcast",
  "job",
  "inventory_template",
  "promo_code",
] as const;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `day` is a real calendar date written YYYY-MM-DD (2025-02-30 is not). */
export function isCalendarDay(day: string): boolean {
  const m = DAY.exec(day);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1970 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at `instant` (ms). */
function zoneOffset(instant: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    offsetFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The UTC instant (ISO 8601) at which calendar day `day` (YYYY-MM-DD) begins in `timeZone`. The offset is
 * taken twice so that a day starting next to a daylight-saving change gets the offset in force then.
 */
export function dayStartIn(day: string, timeZone: string): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  const first = wall - zoneOffset(wall, timeZone);
  return new Date(wall - zoneOffset(first, timeZone)).toISOString();
}

/** The calendar day (YYYY-MM-DD) `instant` falls on in `timeZone`. */
export function dayIn(instant: Date, timeZone: string): string {
  return new Date(instant.getTime() + zoneOffset(instant.getTime(), timeZone)).toISOString().slice(0, 10);
}

/** The next calendar day (YYYY-MM-DD). */
export function nextDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export type Period = { from?: string; to?: string };

/**
 * Days typed by staff (`from`, `to`, both inclusive, either may be empty) as a half-open UTC period
 * [start of `from`, start of the day after `to`) in the operator's time zone; or what is wrong with them.
 */
export function periodOf(
  from: string | undefined,
  to: string | undefined,
  timeZone: string,
): { ok: true; period: Period } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (from && !isCalendarDay(from)) errors.from = "A date such as 2025-03-01";
  if (to && !isCalendarDay(to)) errors.to = "A date such as 2025-03-31";
  if (!errors.from && !errors.to && from && to && to < from) errors.to = "The end date is before the start date";
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, period: { from: from ? dayStartIn(from, timeZone) : undefined, to: to ? dayStartIn(nextDay(to), timeZone) : undefined } };
}
