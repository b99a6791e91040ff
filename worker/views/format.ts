import { currentIntlLocale, t } from "../i18n/request-locale";

/** Display helpers: money from minor units, balances by unit (display only; storage stays integer). */
const moneyFormats = new Map<string, { format: Intl.NumberFormat; digits: number }>();

/** Money for display; the locale defaults to the current staff page's (English outside a page). */
export function formatMoney(minor: number, currency: string, locale = currentIntlLocale()): string {
  // Building an Intl formatter costs more than formatting: one per locale and currency, kept.
  const key = `${locale}|${currency}`;
  let cached = moneyFormats.get(key);
  if (!cached) {
    const format = new Intl.NumberFormat(locale, { style: "currency", currency });
    cached = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    if (moneyFormats.size > 200) moneyFormats.clear();
    moneyFormats.set(key, cached);
  }
  return cached.format.format(minor / 10 ** cached.digits);
}

const decimalFormats = new Map<string, Intl.NumberFormat>();

/** A number with fixed decimals in the page's language ("10.00", « 10,00 »), without grouping; one formatter per locale and digits, kept. */
function decimal(value: number, digits: number): string {
  const locale = currentIntlLocale();
  const key = `${locale}|${digits}`;
  let format = decimalFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false });
    if (decimalFormats.size > 200) decimalFormats.clear();
    decimalFormats.set(key, format);
  }
  return format.format(value);
}

/** A balance or usage amount for display, in the page's language (GB/Go, decimal comma in French). */
export function formatAmount(unit: string, amount: number, currency = "EUR"): string {
  switch (unit) {
    case "monetary":
      return formatMoney(amount, currency);
    case "data":
      return amount >= 2 ** 30 ? `${decimal(amount / 2 ** 30, 2)} ${t("unit.gb")}` : `${decimal(amount / 2 ** 20, 1)} ${t("unit.mb")}`;
    case "voice": {
      const sign = amount < 0 ? "−" : "";
      const abs = Math.abs(amount);
      return abs % 60 === 0 ? `${sign}${abs / 60} min` : `${sign}${Math.floor(abs / 60)} min ${abs % 60} s`;
    }
    default:
      return `${amount} SMS`;
  }
}

/**
 * Parses a price typed by staff ("19.99", "19,99", "20") into minor units without floating point,
 * with the currency's number of decimals (EUR 2, JPY 0, TND 3); null when it is not a price.
 */
export function parseMoney(text: string | null | undefined, fractionDigits = 2): number | null {
  const t = (text ?? "").trim().replace(",", ".");
  const match = t.match(fractionDigits > 0 ? new RegExp(`^(\\d{1,9})(?:\\.(\\d{1,${fractionDigits}}))?$`) : /^(\d{1,9})$/);
  if (!match) return null;
  const fraction = (match[2] ?? "").padEnd(fractionDigits, "0").slice(0, fractionDigits);
  return Number(match[1]) * 10 ** fractionDigits + Number(fraction || "0");
}

/** Minor units as typed decimals for a currency's exponent (123456, 2 → "1234.56"; 5, 3 → "0.005"), without floats. */
export function minorToDecimal(minor: number, exponent: number): string {
  if (exponent === 0) return String(minor);
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

export function minorToInput(minor: number): string {
  return (minor / 100).toFixed(2);
}

/** How staff name a service in messages: its number (or first identifier) when it has one, else its product. */
export function serviceName(s: { product_name: string; identifiers: Record<string, string> }): string {
  return s.identifiers.msisdn ?? Object.values(s.identifiers)[0] ?? s.product_name;
}
