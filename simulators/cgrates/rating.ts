import { createHash } from "node:crypto";
import { decimalPlaces, parseDecimal } from "../../worker/lib/charging-units";

/**
 * Exact decimal arithmetic and the rating of `POST /_sim/usage` for the CGRateS simulator. Pure:
 * nothing here touches the simulator's state except the account clone `chargeUsage` is given.
 *
 * Money is computed in integer units of 1e-4 (CGRateS' RoundingDecimals 4) as BigInt; balances are
 * stored as the JSON numbers whose shortest text is the exact decimal (19.99, never 19.989999…).
 */

/** Scale of rated money: 4 decimals, rounded half up (CGRateS `*up` … RoundingDecimals 4 in the default tariff). */
export const MONEY_SCALE = 4;

/** A JSON number as sign, digits and scale (the project's one exact reading of a decimal). */
const parse = parseDecimal;

/** `value` as an integer number of 10^-scale; `floor` rounds toward minus infinity, `exact` refuses to round. */
export function toScaled(value: number, scale: number, mode: "exact" | "floor" = "exact"): bigint {
  const d = parse(value);
  let n: bigint;
  if (d.scale <= scale) n = d.digits * 10n ** BigInt(scale - d.scale);
  else {
    const divisor = 10n ** BigInt(d.scale - scale);
    if (mode === "exact" && d.digits % divisor !== 0n) throw new RangeError(`${value} has more than ${scale} decimals`);
    n = d.digits / divisor;
    if (d.negative && d.digits % divisor !== 0n) n += 1n; // floor of a negative number goes down
  }
  return d.negative ? -n : n;
}

/** The decimal text of n × 10^-scale (no exponent, no trailing zeros). */
export function scaledText(n: bigint, scale: number): string {
  const negative = n < 0n;
  const abs = (negative ? -n : n).toString().padStart(scale + 1, "0");
  let text = scale === 0 ? abs : `${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
  if (scale > 0) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return negative && text !== "0" ? `-${text}` : text;
}

/** n × 10^-scale as the JSON number whose text is that decimal. */
export function fromScaled(n: bigint, scale: number): number {
  return Number(scaledText(n, scale)) || 0;
}

/** a + b without binary drift (19.99 + 0.01 = 20, 0.3 - 0.1 = 0.2). */
export function addExact(a: number, b: number): number {
  const scale = Math.max(decimalPlaces(a), decimalPlaces(b));
  return fromScaled(toScaled(a, scale) + toScaled(b, scale), scale);
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest decimal, never in exponent form. */
export function formatFloat(v: number): string {
  const d = parse(v);
  return `${d.negative ? "-" : ""}${scaledText(d.digits, d.scale)}`;
}

/** Go's time.Duration.String for a whole number of nanoseconds ("1m30s", "45s", "1h0m0s", "1ns", "0s"). */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const negative = ns < 0n;
  let n = negative ? -ns : ns;
  const sign = negative ? "-" : "";
  if (n < 1_000_000_000n) {
    const units: [bigint, number, string][] = [
      [1_000_000n, 6, "ms"],
      [1_000n, 3, "µs"],
    ];
    for (const [size, scale, name] of units) if (n >= size) return `${sign}${scaledText(n, scale)}${name}`;
    return `${sign}${n}ns`;
  }
  const h = n / 3_600_000_000_000n;
  n -= h * 3_600_000_000_000n;
  const m = n / 60_000_000_000n;
  n -= m * 60_000_000_000n;
  const s = scaledText(n, 9);
  if (h > 0n) return `${sign}${h}h${m}m${s}s`;
  if (m > 0n) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** utils.Sha1: the hex SHA-1 of the concatenated strings (CGRID = Sha1(OriginID, OriginHost)). */
export function sha1(...parts: string[]): string {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** The simulator's tariff for usage no bundle covers. */
export type SimRates = { voicePerMinute: number; dataPerMegabyte: number; smsEach: number };
export const DEFAULT_RATES: SimRates = { voicePerMinute: 0.1, dataPerMegabyte: 0.02, smsEach: 0.05 };

export type UsageUnit = "voice" | "data" | "sms";
export const USAGE_TOR: Record<UsageUnit, "*voice" | "*data" | "*sms"> = { voice: "*voice", data: "*data", sms: "*sms" };
export const USAGE_CATEGORY: Record<UsageUnit, string> = { voice: "call", data: "data", sms: "sms" };

/** The balance units `amount` of `unit` needs: voice seconds → nanoseconds, data bytes, sms messages. */
export function usageUnits(unit: UsageUnit, amount: number): bigint {
  return unit === "voice" ? BigInt(amount) * 1_000_000_000n : BigInt(amount);
}

/** The price, in 1e-4 money units rounded half up, of `units` balance units of `unit` at `rates`. */
export function priceOf(unit: UsageUnit, units: bigint, rates: SimRates): bigint {
  if (units <= 0n) return 0n;
  const [rate, per] = unit === "voice" ? [rates.voicePerMinute, 60_000_000_000n] : unit === "data" ? [rates.dataPerMegabyte, 1_048_576n] : [rates.smsEach, 1n];
  const k = decimalPlaces(rate);
  const numerator = units * toScaled(rate, k) * 10n ** BigInt(MONEY_SCALE);
  const denominator = per * 10n ** BigInt(k);
  const q = numerator / denominator;
  return (numerator % denominator) * 2n >= denominator ? q + 1n : q;
}

/** The smaller of two BigInts (Math.min takes numbers only). */
function minBig(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}

/** The fields of an engine.Balance the rating reads and writes. */
export type RatedBalance = { Uuid: string; ID: string; Value: number; ExpirationDate: string; Weight: number; Disabled: boolean };

const ZERO_MS = Date.parse("0001-01-01T00:00:00Z");

/** The balances a debit may use, in CGRateS' order: highest Weight first, then soonest expiry (never-expiring last). */
export function debitOrder<B extends RatedBalance>(list: B[], now: number): B[] {
  const expiry = (b: B) => {
    const t = Date.parse(b.ExpirationDate);
    return t === ZERO_MS ? Number.POSITIVE_INFINITY : t;
  };
  return list
    .filter((b) => !b.Disabled && (expiry(b) === Number.POSITIVE_INFINITY || expiry(b) > now))
    .map((b, i) => ({ b, i }))
    .sort((x, y) => y.b.Weight - x.b.Weight || expiry(x.b) - expiry(y.b) || x.i - y.i)
    .map(({ b }) => b);
}

/** One balance a usage took from, in that balance's own units (ns, bytes, messages, or money). */
export type UsageDebit = { balance: RatedBalance; type: string; units: number; initial: number; value: number; usage: bigint };

export type ChargeResult = { ok: true; debits: UsageDebit[]; cost: bigint; usage: bigint; uncovered: bigint } | { ok: false; error: "INSUFFICIENT_CREDIT" };

/**
 * Debits `unit` × `amount` from `account` (mutated: pass a clone, commit it when ok): bundles of the
 * unit's type first, then money for the rest at `rates`. Without AllowNegative a shortfall of money
 * answers INSUFFICIENT_CREDIT (and `account` must then be dropped); with it the last monetary
 * balance in debit order goes negative, a `*default` one being created when there is none.
 */
export function chargeUsage(
  account: { BalanceMap: Record<string, RatedBalance[]> | null; AllowNegative: boolean },
  unit: UsageUnit,
  amount: number,
  rates: SimRates,
  now: number,
  newBalance: (id: string) => RatedBalance,
): ChargeResult {
  const type = USAGE_TOR[unit];
  const usage = usageUnits(unit, amount);
  const debits: UsageDebit[] = [];
  let remaining = usage;
  for (const b of debitOrder(account.BalanceMap?.[type] ?? [], now)) {
    if (remaining === 0n) break;
    const available = BigInt(Math.floor(b.Value));
    if (available <= 0n) continue;
    const take = minBig(available, remaining);
    const initial = b.Value;
    b.Value = addExact(b.Value, -Number(take));
    debits.push({ balance: b, type, units: Number(take), initial, value: b.Value, usage: take });
    remaining -= take;
  }
  const uncovered = remaining;
  const cost = priceOf(unit, uncovered, rates);
  let due = cost;
  const money: { b: RatedBalance; take: bigint }[] = [];
  const wallets = debitOrder(account.BalanceMap?.["*monetary"] ?? [], now);
  for (const b of wallets) {
    if (due === 0n) break;
    const available = toScaled(b.Value, MONEY_SCALE, "floor");
    if (available <= 0n) continue;
    const take = minBig(available, due);
    money.push({ b, take });
    due -= take;
  }
  if (due > 0n) {
    if (!account.AllowNegative) return { ok: false, error: "INSUFFICIENT_CREDIT" };
    let last = wallets.at(-1);
    if (!last) {
      last = newBalance("*default");
      account.BalanceMap ??= {};
      account.BalanceMap["*monetary"] = [...(account.BalanceMap["*monetary"] ?? []), last];
    }
    const entry = money.find((m) => m.b === last);
    if (entry) entry.take += due;
    else money.push({ b: last, take: due });
    due = 0n;
  }
  // the uncovered usage is shared among the money debits in proportion to what each paid
  let usageLeft = uncovered;
  money.forEach(({ b, take }, i) => {
    const share = i === money.length - 1 ? usageLeft : cost === 0n ? 0n : (uncovered * take) / cost;
    usageLeft -= share;
    const initial = b.Value;
    b.Value = addExact(b.Value, -fromScaled(take, MONEY_SCALE));
    debits.push({ balance: b, type: "*monetary", units: fromScaled(take, MONEY_SCALE), initial, value: b.Value, usage: share });
  });
  return { ok: true, debits, cost, usage, uncovered };
}
