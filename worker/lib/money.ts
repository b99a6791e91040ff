/**
 * Integer money arithmetic in minor units. Division rounds half to even ("banker's rounding") so
 * that rounding errors do not drift one way over many lines; BigInt keeps products exact.
 */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError("division by zero");
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  let q = n / d;
  const r = n % d;
  if (r * 2n > d || (r * 2n === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** Tax of a net amount at a rate in basis points (2000 = 20 %), rounded half-even per line. */
export function taxOf(amount: number, rateBp: number): number {
  return Number(divideHalfEven(BigInt(amount) * BigInt(rateBp), 10_000n));
}

/**
 * Net and tax of a line. Exclusive (the default): the amount is the net, tax = net × rate, half-even.
 * Inclusive: the amount is the price with tax; net = price / (1 + rate), half-even, and tax is the
 * rest, so net + tax is always exactly the price.
 */
export function lineTax(amount: number, rateBp: number, inclusive = false): { net: number; tax: number } {
  if (!inclusive) return { net: amount, tax: taxOf(amount, rateBp) };
  const net = Number(divideHalfEven(BigInt(amount) * 10_000n, BigInt(10_000 + rateBp)));
  return { net, tax: amount - net };
}

/** amount × part / whole, rounded half-even. */
export function prorate(amount: number, part: number, whole: number): number {
  return Number(divideHalfEven(BigInt(amount) * BigInt(Math.round(part)), BigInt(Math.round(whole))));
}

/** The UTC calendar month containing an instant: billing periods are half-open [start, end). */
export function monthOf(at: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { start, end };
}

/**
 * What a mid-period plan change costs: the unused share of the old monthly price comes back as a
 * credit, the new price is charged for the rest of the period (seconds, half-even).
 */
export function planChangeProration(
  oldPrice: number,
  newPrice: number,
  at: Date,
): { credit: number; charge: number; remainingSeconds: number; periodSeconds: number } {
  const { start, end } = monthOf(at);
  const periodSeconds = (end.getTime() - start.getTime()) / 1000;
  const remainingSeconds = Math.floor((end.getTime() - at.getTime()) / 1000);
  return {
    credit: prorate(oldPrice, remainingSeconds, periodSeconds),
    charge: prorate(newPrice, remainingSeconds, periodSeconds),
    remainingSeconds,
    periodSeconds,
  };
}
