/**
 * Property-based tests (fast-check) of the money rules billing rests on: tax per line, proration to
 * the second, discounts and the bill run's charges, in currencies with 0, 2 and 3 decimals (amounts
 * are minor units, so a currency's decimals only change how big the numbers get and how they are
 * typed and printed).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BillableService,
  discountAmount,
  discountCharges,
  monthFrom,
  recurringCharge,
  terminationCredit,
  windowCharge,
  windowContaining,
} from "../domain/billing/bill-runs/charges";
import { currencyExponent } from "../lib/charging-units";
import { lineTax, prorate, taxOf } from "../lib/money";
import { formatMoney, parseMoney } from "../views/format";

const CURRENCIES = ["JPY", "EUR", "BHD"] as const; // 0, 2 and 3 decimals
const currency = fc.constantFrom(...CURRENCIES);
/** Up to 10 million major units of the currency, in minor units. */
const amountIn = (c: string) => fc.integer({ min: 0, max: 10_000_000 * 10 ** currencyExponent(c) });
const rateBp = fc.integer({ min: 0, max: 10_000 });

describe("money properties", () => {
  it("tax per line is the exact tax rounded half-even: never more than half a minor unit off, ties to even, symmetric for credits", () => {
    fc.assert(
      fc.property(
        currency.chain((c) => amountIn(c)),
        rateBp,
        (amount, rate) => {
          const tax = taxOf(amount, rate);
          const exact = BigInt(amount) * BigInt(rate); // tax × 10 000
          const diff = BigInt(tax) * 10_000n - exact;
          expect(diff <= 5000n && diff >= -5000n).toBe(true);
          if (diff === 5000n || diff === -5000n) expect(tax % 2).toBe(0);
          expect(taxOf(-amount, rate) === -tax).toBe(true);
        },
      ),
    );
  });

  it("an inclusive rate splits a price into net and tax that add up to it exactly, the net within half a minor unit of price / (1 + r)", () => {
    fc.assert(
      fc.property(
        currency.chain((c) => amountIn(c)),
        rateBp,
        (price, rate) => {
          const { net, tax } = lineTax(price, rate, true);
          expect(net + tax).toBe(price);
          const diff = BigInt(net) * BigInt(10_000 + rate) - BigInt(price) * 10_000n;
          expect(2n * (diff < 0n ? -diff : diff) <= BigInt(10_000 + rate)).toBe(true);
          expect(lineTax(price, rate, false)).toEqual({ net: price, tax: taxOf(price, rate) });
        },
      ),
    );
  });

  it("proration to the second stays within the price, is exact at the ends, and two halves of a period never drift more than one minor unit", () => {
    fc.assert(
      fc.property(
        currency.chain((c) => amountIn(c)),
        fc.integer({ min: 1, max: 366 * 86_400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (price, whole, share) => {
          const part = Math.floor(whole * share);
          const a = prorate(price, part, whole);
          const b = prorate(price, whole - part, whole);
          expect(a).toBeGreaterThanOrEqual(0);
          expect(a).toBeLessThanOrEqual(price);
          expect(prorate(price, whole, whole)).toBe(price);
          expect(prorate(price, 0, whole)).toBe(0);
          expect(Math.abs(a + b - price)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it("a discount is never negative nor more than the charge, and 100 % or a free month takes all of it", () => {
    fc.assert(
      fc.property(
        currency.chain((c) => amountIn(c)),
        fc.constantFrom("percent", "fixed", "free_months"),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100_000_000 }),
        (charged, kind, percent, fixed) => {
          const value = kind === "percent" ? percent : kind === "fixed" ? fixed : 1;
          const d = discountAmount({ kind: kind as "percent" | "fixed" | "free_months", value }, charged);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(charged);
          if (kind === "free_months" || (kind === "percent" && percent === 100)) expect(d).toBe(charged);
        },
      ),
    );
  });

  it("amounts typed in a currency's decimals read back to the same minor units, and print with those decimals", () => {
    fc.assert(
      fc.property(
        currency.chain((c) => fc.tuple(fc.constant(c), amountIn(c))),
        ([c, minor]) => {
          const e = currencyExponent(c);
          const digits = String(minor).padStart(e + 1, "0");
          const typed = e ? `${digits.slice(0, -e)}.${digits.slice(-e)}` : digits;
          expect(parseMoney(typed, e)).toBe(minor);
          const printed = formatMoney(minor, c);
          const decimals = /\.(\d+)/.exec(printed)?.[1]?.length ?? 0;
          expect(decimals).toBe(e);
        },
      ),
    );
  });
});

/** A month of 2031 and a second within it. */
const monthAndInstant = fc.integer({ min: 1, max: 12 }).chain((m) => {
  const month = monthFrom(`2031-${String(m).padStart(2, "0")}-01`);
  if (!month) throw new Error("bad month");
  const from = Date.parse(`${month.start}T00:00:00Z`);
  const to = Date.parse(`${month.end}T00:00:00Z`) + 86_400_000;
  return fc.tuple(
    fc.constant(month),
    fc.integer({ min: from / 1000, max: to / 1000 - 1 }).map((s) => new Date(s * 1000).toISOString()),
  );
});

function svc(price: number, activatedAt: string, terminatedAt: string | null, c: string): BillableService {
  return {
    id: "svc_p",
    customerId: "cus_p",
    productName: "Plan",
    recurringPeriod: "monthly",
    prorate: true,
    price,
    wholesale: Math.floor(price / 2),
    currency: c,
    taxRateBp: 2000,
    activatedAt,
    terminatedAt,
  };
}

describe("bill run charge properties", () => {
  it("activation mid-month: the charge is the live share of the price, rounded half-even, and its tax is the line's", () => {
    fc.assert(
      fc.property(
        currency.chain((c) => fc.tuple(fc.constant(c), amountIn(c))),
        monthAndInstant,
        ([c, price], [month, at]) => {
          const charge = recurringCharge(svc(price, at, null, c), month);
          const amount = charge?.amount ?? 0;
          expect(amount).toBeGreaterThanOrEqual(0);
          expect(amount).toBeLessThanOrEqual(price);
          if (charge) expect(charge.taxAmount).toBe(taxOf(charge.amount, 2000));
        },
      ),
    );
  });

  it("termination: what was charged in advance minus the credit is exactly what the live time costs (no drift)", () => {
    fc.assert(
      fc.property(
        currency.chain((c) => fc.tuple(fc.constant(c), amountIn(c))),
        monthAndInstant,
        ([c, price], [month, endAt]) => {
          const live = svc(price, `${month.start}T00:00:00.000Z`, null, c);
          const charged = recurringCharge(live, month);
          if (!charged) return;
          const ended = { ...live, terminatedAt: endAt };
          const credit = terminationCredit(ended, { amount: charged.amount, wholesale: charged.wholesaleAmount });
          const window = windowContaining(ended, endAt);
          if (!window) throw new Error("no window");
          expect(charged.amount - (credit?.amount ?? 0)).toBe(windowCharge(ended, window));
          expect(credit?.amount ?? 0).toBeLessThanOrEqual(charged.amount);
        },
      ),
    );
  });

  it("a discount line never takes more than the recurring charge it discounts", () => {
    fc.assert(
      fc.property(
        currency.chain((c) => fc.tuple(fc.constant(c), amountIn(c))),
        monthAndInstant,
        fc.integer({ min: 1, max: 100 }),
        ([c, price], [month, at], percent) => {
          const s = svc(price, at, null, c);
          const charge = recurringCharge(s, month)?.amount ?? 0;
          const lines = discountCharges(s, month, [
            { id: "dsc_p", serviceId: s.id, label: "P", kind: "percent", value: percent, months: 1, starts: month.start },
          ]);
          const off = lines.reduce((n, l) => n + l.amount, 0);
          expect(off).toBeLessThanOrEqual(charge);
          expect(lines.every((l) => l.kind === "credit" && l.taxAmount === taxOf(l.amount, 2000))).toBe(true);
        },
      ),
    );
  });
});
