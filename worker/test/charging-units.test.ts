import { describe, expect, it } from "vitest";
import {
  currencyExponent,
  decimalPlaces,
  decimalToMinor,
  fromCgrates,
  minorToDecimal,
  nanosToSeconds,
  secondsToNanos,
  sumDecimals,
  toCgrates,
  UnitConversionError,
} from "../lib/charging-units";

describe("money at the CGRateS boundary", () => {
  it("knows the ISO 4217 exponent of each currency", () => {
    expect([currencyExponent("EUR"), currencyExponent("usd"), currencyExponent("JPY"), currencyExponent("TND"), currencyExponent("CLF")]).toEqual([
      2, 2, 0, 3, 4,
    ]);
    expect(() => currencyExponent("EURO")).toThrow(UnitConversionError);
  });

  // [currency, minor units, CGRateS decimal as it goes on the wire]
  const table: [string, number, string][] = [
    ["EUR", 1000, "10"],
    ["EUR", 1999, "19.99"],
    ["EUR", 1, "0.01"],
    ["EUR", 10, "0.1"],
    ["EUR", 0, "0"],
    ["EUR", -250, "-2.5"],
    ["EUR", 100_000_000, "1000000"],
    ["EUR", 123_456_789_012_345, "1234567890123.45"],
    ["JPY", 1999, "1999"],
    ["JPY", 1, "1"],
    ["TND", 1999, "1.999"],
    ["TND", 5, "0.005"],
    ["KWD", 1000, "1"],
    ["CLF", 12_345, "1.2345"],
  ];

  it("sends minor units as the main-unit decimal, exactly, and reads the decimal back to the same minor units", () => {
    for (const [currency, minor, wire] of table) {
      const decimal = minorToDecimal(minor, currency);
      expect(JSON.stringify(decimal), `${minor} ${currency}`).toBe(wire);
      expect(decimalToMinor(decimal, currency), `${wire} ${currency}`).toBe(minor);
      // Through JSON, as the runner and CGRateS exchange it.
      expect(decimalToMinor(JSON.parse(JSON.stringify({ v: decimal })).v, currency)).toBe(minor);
    }
  });

  it("round-trips every cent from 0 to 100.00 without a single float error", () => {
    for (let minor = 0; minor <= 10_000; minor++) expect(decimalToMinor(minorToDecimal(minor, "EUR"), "EUR")).toBe(minor);
    for (let minor = 0; minor <= 3_000; minor++) expect(decimalToMinor(minorToDecimal(minor, "TND"), "TND")).toBe(minor);
  });

  it("refuses a decimal the currency cannot hold, unless asked to round half-even (balances after rating)", () => {
    expect(() => decimalToMinor(10.005, "EUR")).toThrow(/more decimals than EUR allows \(2\)/);
    expect(() => decimalToMinor(0.5, "JPY")).toThrow(UnitConversionError);
    expect(decimalToMinor(9.8765, "EUR", "half-even")).toBe(988);
    expect(decimalToMinor(0.125, "EUR", "half-even")).toBe(12);
    expect(decimalToMinor(0.135, "EUR", "half-even")).toBe(14);
    expect(decimalToMinor(-0.125, "EUR", "half-even")).toBe(-12);
    expect(decimalToMinor(1e-7, "EUR", "half-even")).toBe(0);
    expect(decimalToMinor(2.5, "JPY", "half-even")).toBe(2);
    expect(decimalToMinor(1.0005, "TND", "half-even")).toBe(1000);
  });

  it("refuses amounts that are not whole minor units, and counts decimal places as written", () => {
    expect(() => minorToDecimal(10.5, "EUR")).toThrow(/whole number/);
    expect(() => minorToDecimal(Number.NaN, "EUR")).toThrow(UnitConversionError);
    expect([decimalPlaces(19.99), decimalPlaces(1e-7), decimalPlaces(1000), decimalPlaces(1.5e21), decimalPlaces(0.1)]).toEqual([2, 7, 0, 0, 1]);
  });

  it("converts voice seconds to nanoseconds and back, and leaves bytes and messages as they are", () => {
    expect(secondsToNanos(300 * 60)).toBe(18_000_000_000_000);
    expect(nanosToSeconds(18_000_000_000_000)).toBe(18_000);
    expect(nanosToSeconds(1_500_000_000)).toBe(2);
    expect(nanosToSeconds(2_500_000_000)).toBe(2);
    expect(() => secondsToNanos(10_000_000)).toThrow(/too large/);
    expect(toCgrates("voice", 60, "EUR")).toEqual({ type: "*voice", value: 60e9 });
    expect(toCgrates("data", 5 * 2 ** 30, "EUR")).toEqual({ type: "*data", value: 5 * 2 ** 30 });
    expect(toCgrates("sms", 100, "EUR")).toEqual({ type: "*sms", value: 100 });
    expect(toCgrates("monetary", 1000, "EUR")).toEqual({ type: "*monetary", value: 10 });
    expect(() => toCgrates("data", 1.5, "EUR")).toThrow(UnitConversionError);
    expect(fromCgrates("*monetary", 10, "EUR")).toEqual({ unit: "monetary", amount: 1000 });
    expect(fromCgrates("*monetary", 9.8765, "EUR")).toEqual({ unit: "monetary", amount: 988 });
    expect(fromCgrates("*voice", 60e9, "EUR")).toEqual({ unit: "voice", amount: 60 });
    expect(fromCgrates("*data", 1024, "EUR")).toEqual({ unit: "data", amount: 1024 });
  });
});

describe("exact decimal sums", () => {
  it("adds CGRateS costs without float drift", () => {
    expect(sumDecimals(Array.from({ length: 1000 }, () => 0.1))).toBe(100);
    expect(sumDecimals([0.0123, 0.0077, 1.2])).toBe(1.22);
    expect(sumDecimals([10, -2.5, 0.001])).toBe(7.501);
    expect(sumDecimals([])).toBe(0);
    expect(sumDecimals([1e-7, 2e-7])).toBe(3e-7);
  });
});
