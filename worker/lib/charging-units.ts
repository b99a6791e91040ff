/**
 * The one conversion between the BSS's units and CGRateS's (imports nothing: the worker, the runner
 * and the CGRateS simulator all use it).
 *
 * | BSS unit   | BSS amount                    | CGRateS BalanceType | CGRateS Value                         |
 * |------------|-------------------------------|---------------------|---------------------------------------|
 * | `monetary` | integer minor units (1999)    | `*monetary`         | main-unit decimal (19.99), exact      |
 * | `data`     | bytes                         | `*data`             | bytes                                 |
 * | `voice`    | seconds                       | `*voice`            | nanoseconds (seconds × 1e9)           |
 * | `sms`      | messages                      | `*sms`              | messages                              |
 *
 * Money crosses the boundary through the decimal text, never through float arithmetic: 1999 minor
 * units of EUR become the JSON number `19.99`, and `19.99` comes back as exactly 1999. A value with
 * more decimals than the currency allows (CGRateS rating can produce `9.8765`) is refused by the
 * exact conversion and rounded half-even to minor units by the rounding one.
 */

/** ISO 4217 minor-unit exponents that are not 2 (every other currency has 2). */
const EXPONENTS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

export type ChargingUnit = "monetary" | "data" | "voice" | "sms";
export type CgratesBalanceType = "*monetary" | "*data" | "*voice" | "*sms";

export const BALANCE_TYPE_OF: Record<ChargingUnit, CgratesBalanceType> = { monetary: "*monetary", data: "*data", voice: "*voice", sms: "*sms" };
export const UNIT_OF: Record<CgratesBalanceType, ChargingUnit> = { "*monetary": "monetary", "*data": "data", "*voice": "voice", "*sms": "sms" };

/** Nanoseconds in a second: CGRateS `*voice` values are Go durations. */
export const NS_PER_SECOND = 1_000_000_000;

/** A conversion that cannot be exact, or an amount that is not a number of the unit. */
export class UnitConversionError extends RangeError {
  override readonly name = "UnitConversionError";
}

/** The currency's minor-unit exponent (ISO 4217): EUR 2, JPY 0, TND 3. */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new UnitConversionError(`not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
  return EXPONENTS[code] ?? 2;
}

/** The exponent of a currency a form typed (2 when it is not a code: the form reports that on its own field). */
export function typedCurrencyExponent(currency: string | null | undefined): number {
  try {
    return currencyExponent(currency ?? "");
  } catch {
    return 2;
  }
}

/** A decimal number as sign, digits and exponent: value = (negative ? -1 : 1) × digits × 10^-scale. */
export type Decimal = { negative: boolean; digits: bigint; scale: number };

/** The exact decimal a JSON number stands for (its shortest round-trip text, exponent form included). */
export function parseDecimal(value: number): Decimal {
  if (!Number.isFinite(value)) throw new UnitConversionError(`not a finite number: ${value}`);
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!match) throw new UnitConversionError(`unreadable number: ${text}`);
  const [, sign, whole = "0", fraction = "", exp = "0"] = match;
  let scale = fraction.length - Number(exp);
  let digits = BigInt(`${whole}${fraction}`);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { negative: sign === "-" && digits !== 0n, digits, scale };
}

/** Decimal places of a number as written (19.99 → 2, 1e-7 → 7, 1000 → 0). */
export function decimalPlaces(value: number): number {
  const d = parseDecimal(value);
  let { digits, scale } = d;
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale--;
  }
  return scale;
}

/** Rounds digits × 10^-scale to an integer number of 10^-target, half to even. */
function rescaleHalfEven(d: Decimal, target: number): bigint {
  if (d.scale <= target) return d.digits * 10n ** BigInt(target - d.scale);
  const divisor = 10n ** BigInt(d.scale - target);
  let q = d.digits / divisor;
  const r = d.digits % divisor;
  if (r * 2n > divisor || (r * 2n === divisor && q % 2n === 1n)) q += 1n;
  return q;
}

function toSafeNumber(n: bigint, negative: boolean, what: string): number {
  const v = negative ? -n : n;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new UnitConversionError(`${what} is too large: ${v}`);
  return Number(v) || 0; // no -0
}

function requireInteger(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount)) throw new UnitConversionError(`${what} must be a whole number, not ${amount}`);
}

/** Minor units → the CGRateS `*monetary` decimal, exactly (1999 EUR → 19.99, 1999 JPY → 1999, 1999 TND → 1.999). */
export function minorToDecimal(minor: number, currency: string): number {
  requireInteger(minor, "an amount in minor units");
  const exponent = currencyExponent(currency);
  if (exponent === 0) return minor || 0;
  const negative = minor < 0;
  const text = String(Math.abs(minor)).padStart(exponent + 1, "0");
  const decimal = `${negative ? "-" : ""}${text.slice(0, -exponent)}.${text.slice(-exponent)}`;
  return Number(decimal) || 0;
}

/**
 * A CGRateS `*monetary` decimal → minor units. `exact` (the default) refuses a value with more
 * decimals than the currency has (a unit mistake, or a top-up amount that cannot be a price);
 * `half-even` rounds, for balances after rating (which may hold fractions of a cent).
 */
export function decimalToMinor(value: number, currency: string, mode: "exact" | "half-even" = "exact"): number {
  const exponent = currencyExponent(currency);
  const d = parseDecimal(value);
  if (mode === "exact" && decimalPlaces(value) > exponent) {
    throw new UnitConversionError(`${value} has more decimals than ${currency.toUpperCase()} allows (${exponent})`);
  }
  return toSafeNumber(rescaleHalfEven(d, exponent), d.negative, "the amount");
}

/** Seconds → CGRateS `*voice` nanoseconds. */
export function secondsToNanos(seconds: number): number {
  requireInteger(seconds, "a voice amount in seconds");
  const ns = BigInt(seconds) * BigInt(NS_PER_SECOND);
  return toSafeNumber(ns < 0n ? -ns : ns, ns < 0n, "the voice amount in nanoseconds");
}

/** CGRateS `*voice` nanoseconds → seconds, rounded half-even (rating may leave part of a second). */
export function nanosToSeconds(nanos: number): number {
  const d = parseDecimal(nanos);
  return toSafeNumber(rescaleHalfEven({ ...d, scale: d.scale + 9 }, 0), d.negative, "the voice amount");
}

/** A BSS amount of a unit → the CGRateS BalanceType and Value to send. */
export function toCgrates(unit: ChargingUnit, amount: number, currency: string): { type: CgratesBalanceType; value: number } {
  switch (unit) {
    case "monetary":
      return { type: "*monetary", value: minorToDecimal(amount, currency) };
    case "voice":
      return { type: "*voice", value: secondsToNanos(amount) };
    case "data":
    case "sms":
      requireInteger(amount, `a ${unit} amount`);
      return { type: BALANCE_TYPE_OF[unit], value: amount || 0 };
  }
}

/**
 * A CGRateS value of a balance type → the BSS amount. Balances after rating may hold fractions
 * (of a cent, a second, a byte): they are rounded half-even, so this is for reading balances.
 */
export function fromCgrates(type: CgratesBalanceType, value: number, currency: string): { unit: ChargingUnit; amount: number } {
  switch (type) {
    case "*monetary":
      return { unit: "monetary", amount: decimalToMinor(value, currency, "half-even") };
    case "*voice":
      return { unit: "voice", amount: nanosToSeconds(value) };
    case "*data":
    case "*sms": {
      const d = parseDecimal(value);
      return { unit: UNIT_OF[type], amount: toSafeNumber(rescaleHalfEven(d, 0), d.negative, `the ${type} amount`) };
    }
  }
}

/** True for the balance types the BSS keeps. */
export function isChargingBalanceType(type: string): type is CgratesBalanceType {
  return type in UNIT_OF;
}

/** The exact sum of decimal numbers (CGRateS costs such as 0.0123 add up without float drift). */
export function sumDecimals(values: number[]): number {
  const parsed = values.map(parseDecimal);
  const scale = Math.max(0, ...parsed.map((d) => d.scale));
  let total = 0n;
  for (const d of parsed) total += (d.negative ? -1n : 1n) * d.digits * 10n ** BigInt(scale - d.scale);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return Number(`${negative ? "-" : ""}${text}`) || 0;
}
