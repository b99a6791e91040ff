/** Display helpers: money from minor units, balances by unit (display only; storage stays integer). */
export function formatMoney(minor: number, currency: string, locale = "en-GB"): string {
  const digits = new Intl.NumberFormat(locale, { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(minor / 10 ** digits);
}

export function formatAmount(unit: string, amount: number, currency = "EUR"): string {
  switch (unit) {
    case "monetary":
      return formatMoney(amount, currency);
    case "data":
      return amount >= 2 ** 30 ? `${(amount / 2 ** 30).toFixed(2)} GB` : `${(amount / 2 ** 20).toFixed(1)} MB`;
    case "voice":
      return `${Math.floor(amount / 60)} min`;
    default:
      return `${amount} SMS`;
  }
}

/**
 * Parses a price typed by staff ("19.99", "19,99", "20") into minor units without floating point;
 * null when it is not a price.
 */
export function parseMoney(text: string | null | undefined, fractionDigits = 2): number | null {
  const t = (text ?? "").trim().replace(",", ".");
  const match = t.match(/^(\d{1,9})(?:\.(\d{1,2}))?$/);
  if (!match) return null;
  const fraction = (match[2] ?? "").padEnd(fractionDigits, "0").slice(0, fractionDigits);
  return Number(match[1]) * 10 ** fractionDigits + Number(fraction || "0");
}

export function minorToInput(minor: number): string {
  return (minor / 100).toFixed(2);
}
