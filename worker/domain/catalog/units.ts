/**
 * Balances as people type them ("1.5 GB", "90 min", "0.01" EUR) and as they are stored (bytes,
 * seconds, messages, minor units). Conversions are exact, on BigInt: a decimal that does not make
 * a whole number of the base unit (1.1 GB is 1181116006.4 bytes) is refused, never rounded.
 * Data units are binary, as everywhere else in the BSS (1 GB = 2^30 bytes).
 */
import type { MessageKey } from "../../i18n/catalogue";
import { t } from "../../i18n/request-locale";
import { currencyExponent } from "../../lib/charging-units";
import type { BalanceUnit } from "./schemas";

/** A unit a form offers for a balance: its id (the select's value), label and size in base units. */
export type DisplayUnit = { id: string; unit: BalanceUnit; label: string; factor: bigint };

const GB = 2n ** 30n;
const MB = 2n ** 20n;

/** The largest base amount any balance may hold (the API's limit). */
export const MAX_BASE_AMOUNT = 10 ** 15;

/** The units of each balance, largest first; money is the product currency's main unit. */
export function displayUnits(currency: string): DisplayUnit[] {
  return [
    { id: "GB", unit: "data", label: "GB", factor: GB },
    { id: "MB", unit: "data", label: "MB", factor: MB },
    { id: "min", unit: "voice", label: "minutes", factor: 60n },
    { id: "s", unit: "voice", label: "seconds", factor: 1n },
    { id: "sms", unit: "sms", label: "SMS", factor: 1n },
    { id: "money", unit: "monetary", label: `${currency} (credit)`, factor: 10n ** BigInt(safeExponent(currency)) },
  ];
}

function safeExponent(currency: string): number {
  try {
    return currencyExponent(currency);
  } catch {
    return 2;
  }
}

export type Quantity = { ok: true; amount: number } | { ok: false; message: string };

/** A unit's name in the staff page's language ("GB", « Go »); English outside a page. */
const unitName = (u: DisplayUnit, currency: string) => t(`settings.catalog.unit.${u.id}` as MessageKey, { currency });

/** Why a decimal is not a whole number of the unit's base unit, in words (the page's language). */
function inexact(u: DisplayUnit, typed: string, currency: string): string {
  if (u.unit === "monetary") {
    const e = safeExponent(currency);
    if (e === 0) return t("settings.units.no_decimals", { currency });
    return e > 1 ? t("settings.units.max_decimals", { n: e, currency }) : t("settings.units.max_decimal", { currency });
  }
  const unit = unitName(u, currency);
  if (u.factor === 1n) return t("settings.units.whole", { unit });
  return u.unit === "data"
    ? t("settings.units.not_whole_bytes", { typed, unit, or_mb: u.id === "GB" ? t("settings.units.or_mb") : "" })
    : t("settings.units.not_whole_seconds", { typed, unit });
}

/**
 * Reads a typed decimal ("1.5", "1,5", "10") in a display unit as an exact whole number of base
 * units (bytes, seconds, messages, minor units).
 */
export function parseQuantity(text: string, u: DisplayUnit, currency: string, opts: { allowZero?: boolean } = {}): Quantity {
  const typed = text.trim().replace(/\s/g, "").replace(",", ".");
  const m = typed.match(/^(\d{1,16})(?:\.(\d{1,18}))?$/);
  if (!m) {
    return { ok: false, message: u.unit === "monetary" ? t("settings.units.not_amount") : t("settings.units.not_number", { unit: unitName(u, currency) }) };
  }
  const fraction = m[2] ?? "";
  const scaled = BigInt(`${m[1]}${fraction}`) * u.factor;
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled % divisor !== 0n) return { ok: false, message: inexact(u, typed, currency) };
  const amount = scaled / divisor;
  if (amount === 0n && !opts.allowZero) return { ok: false, message: t("settings.units.more_than_zero") };
  if (amount > BigInt(MAX_BASE_AMOUNT)) return { ok: false, message: t("settings.units.too_large") };
  return { ok: true, amount: Number(amount) };
}

/** A price typed in the currency's main unit ("19.99" EUR, "500" JPY, "1.005" TND) as minor units, exactly. */
export function parseMoneyAmount(text: string, currency: string): Quantity {
  return parseQuantity(text, displayUnit("money", currency), currency, { allowZero: true });
}

/** The display unit with this id (the form's select value); money in `currency`. */
export function displayUnit(id: string, currency: string): DisplayUnit {
  return displayUnits(currency).find((u) => u.id === id) ?? (displayUnits(currency)[0] as DisplayUnit);
}

/** Minor units as the currency's main unit ("1999" EUR → "19.99", "500" JPY → "500"). */
export function moneyToInput(minor: number, currency: string): string {
  return readableQuantity("monetary", minor, currency).value;
}

/** `amount / factor` as an exact decimal with at most `maxDecimals` decimals, or null. */
export function exactDecimal(amount: number, factor: bigint, maxDecimals: number): string | null {
  const a = BigInt(amount);
  const whole = a / factor;
  let rest = a % factor;
  let digits = "";
  while (rest !== 0n && digits.length < maxDecimals) {
    rest *= 10n;
    digits += String(rest / factor);
    rest %= factor;
  }
  if (rest !== 0n) return null;
  return digits ? `${whole}.${digits}` : String(whole);
}

/** A stored amount in the most readable unit of its balance, exactly ("1.5" GB, "90" seconds → "1.5" min). */
export function readableQuantity(unit: BalanceUnit, amount: number, currency: string): { value: string; unit: string } {
  const units = displayUnits(currency).filter((u) => u.unit === unit);
  for (const u of units) {
    const decimals = u.unit === "monetary" ? safeExponent(currency) : 3;
    const value = exactDecimal(amount, u.factor, decimals);
    if (value !== null && (BigInt(amount) >= u.factor || u === units[units.length - 1])) {
      return { value: padMoney(value, u, decimals), unit: u.id };
    }
  }
  // Always exact: the smallest data unit is a power of two (finite decimals), the others divide 1.
  const smallest = units[units.length - 1] as DisplayUnit;
  return { value: exactDecimal(amount, smallest.factor, 40) ?? String(amount), unit: smallest.id };
}

function padMoney(value: string, u: DisplayUnit, decimals: number): string {
  if (u.unit !== "monetary" || decimals === 0) return value;
  const [whole, fraction = ""] = value.split(".");
  return `${whole}.${fraction.padEnd(decimals, "0")}`;
}
