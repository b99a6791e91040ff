/**
 * Reconciliation of a service's balances with CGRateS (pure; the ServiceState object runs it).
 *
 * CGRateS's balances are the balance of record for rated units: whenever the runner reads an account
 * back (after a job, or a usage sync), the service's buckets become what CGRateS holds. Every change
 * is written to the ledger, explained where it can be:
 *
 * - `rating`: what CGRateS's CDRs say rating took from each balance since the last reading;
 * - `renewal`: a scheduled reset of an included balance (logged by `*cdrlog`);
 * - `plan_change`: an old plan's included balances removed by a plan change;
 * - `expiry`: a balance that reached its expiry date;
 * - `reconciliation`: the rest. Per balance id the BSS knows what to expect — the previous reading,
 *   plus what the BSS itself credited since (grants, top-ups, add-ons: ledger entries carry the
 *   balance id), minus rating, with renewals and removals applied — so any difference is a real one
 *   (a balance nobody sold, one changed by hand, a lost or doubled credit): it is flagged per unit.
 *
 * Amounts are in BSS units (minor units, bytes, seconds, messages); the caller converts CGRateS's.
 */
import type { BalanceUnit } from "../catalog/schemas";

export const CHARGING_UNITS: BalanceUnit[] = ["monetary", "data", "voice", "sms"];

export type ReadBalance = { id: string; unit: BalanceUnit; amount: number; expires_at: string | null };
/** The last reading kept by the service (what the next one is compared with). */
export type ChargingSnapshot = { read_at: string; balances: ReadBalance[] };
/** A credit the BSS made since the last reading (its ledger entry names the balance id). */
export type KnownCredit = { balance_id: string; unit: BalanceUnit; amount: number };

/** An account reading, in BSS units. */
export type AccountReading = {
  read_at: string;
  balances: ReadBalance[];
  /** Units rating took per balance, per stretch after a renewal (`after`, null = before any). */
  rated: { balance_id: string; unit: BalanceUnit; amount: number; after: string | null }[];
  renewals: { at: string; balance_id: string; unit: BalanceUnit; amount_after: number }[];
};

export type UnitReconciliation = {
  unit: BalanceUnit;
  /** The service's balance before (what its buckets held) and after (what CGRateS holds). */
  before: number;
  after: number;
  rated: number;
  renewed: number;
  removed: number;
  expired: number;
  /** What the BSS expected CGRateS to hold, and the difference nothing explains. */
  expected: number;
  unexplained: number;
  /** The ledger entry that makes the ledger add up to `after`: after − before − the explained changes. */
  adjustment: number;
};

const expiredAt = (b: { expires_at: string | null } | undefined, at: string) => b?.expires_at != null && b.expires_at <= at;

/** Compares a reading with what the BSS expected, per balance and per unit. */
export function reconcile(input: {
  previous: ChargingSnapshot | null;
  credits: KnownCredit[];
  /** Balance ids a plan change removed in this job. */
  removals: string[];
  reading: AccountReading;
  /** The service's confirmed balance per unit before this reading (the sum of its ledger). */
  before: Partial<Record<BalanceUnit, number>>;
}): { units: UnitReconciliation[]; balances: ReadBalance[] } {
  const { previous, reading } = input;
  const at = reading.read_at;
  const prev = new Map((previous?.balances ?? []).map((b) => [b.id, b]));
  const actual = new Map(reading.balances.map((b) => [b.id, b]));
  const ids = new Set<string>([...prev.keys(), ...actual.keys(), ...input.credits.map((c) => c.balance_id), ...input.removals]);
  for (const r of reading.rated) ids.add(r.balance_id);
  const totals = new Map<BalanceUnit, Omit<UnitReconciliation, "unit" | "before" | "after" | "adjustment">>();
  const total = (unit: BalanceUnit) => {
    let t = totals.get(unit);
    if (!t) {
      t = { rated: 0, renewed: 0, removed: 0, expired: 0, expected: 0, unexplained: 0 };
      totals.set(unit, t);
    }
    return t;
  };
  for (const id of ids) {
    const unit =
      actual.get(id)?.unit ??
      prev.get(id)?.unit ??
      input.credits.find((c) => c.balance_id === id)?.unit ??
      reading.rated.find((r) => r.balance_id === id)?.unit;
    if (!unit) continue; // a removal of a balance the BSS never saw, with nothing on either side
    const t = total(unit);
    let value = (prev.get(id)?.amount ?? 0) + input.credits.filter((c) => c.balance_id === id).reduce((s, c) => s + c.amount, 0);
    const stretches = reading.rated.filter((r) => r.balance_id === id);
    const ratedIn = (after: string | null) => stretches.filter((r) => r.after === after).reduce((s, r) => s + r.amount, 0);
    value -= ratedIn(null);
    t.rated += ratedIn(null);
    for (const renewal of reading.renewals.filter((r) => r.balance_id === id)) {
      t.renewed += renewal.amount_after - value;
      value = renewal.amount_after - ratedIn(renewal.at);
      t.rated += ratedIn(renewal.at);
    }
    if (input.removals.includes(id)) {
      t.removed += value;
      value = 0;
    }
    const now = actual.get(id);
    if (expiredAt(now, at) || (!now && expiredAt(prev.get(id), at))) {
      t.expired += value;
      value = 0;
    }
    const held = now && !expiredAt(now, at) ? now.amount : 0;
    t.expected += value;
    t.unexplained += held - value;
  }
  const balances = reading.balances.filter((b) => !expiredAt(b, at));
  const units = [...new Set<BalanceUnit>([...totals.keys(), ...(Object.keys(input.before) as BalanceUnit[])])]
    .sort((a, b) => CHARGING_UNITS.indexOf(a) - CHARGING_UNITS.indexOf(b))
    .map((unit) => {
      const t = totals.get(unit) ?? { rated: 0, renewed: 0, removed: 0, expired: 0, expected: 0, unexplained: 0 };
      const before = input.before[unit] ?? 0;
      const after = balances.filter((b) => b.unit === unit).reduce((s, b) => s + b.amount, 0);
      return { unit, before, after, ...t, adjustment: after - before - (-t.rated + t.renewed - t.removed - t.expired) };
    });
  return { units, balances };
}
