import { sumDecimals } from "../../worker/lib/charging-units";
import type { CgratesCdr, CgratesClient } from "./cgrates";

/**
 * What CGRateS holds for an account, and what happened to it since the BSS last looked: the runner
 * reads it after every job that touches an account (and for `sync_balance`), so the worker can take
 * CGRateS's balances as the balance of record and tell rating from any other difference. Values are
 * CGRateS's own units (`*monetary` main-unit decimals, `*voice` nanoseconds); the worker converts them.
 */

/** One balance of the account. */
export type ReportedBalance = { id: string; uuid: string; type: string; value: number; expires_at: string | null; disabled: boolean };
/**
 * Units rating took from one balance, summed over the CDRs of the window — per stretch between the
 * balance's renewals: `after` is the renewal the CDRs followed (null: before any renewal of the window).
 */
export type RatedDebit = { balance_id: string; balance_uuid: string; type: string; units: number; cdrs: number; after: string | null };
/** A scheduled renewal (`*topup_reset` logged by `*cdrlog`): the balance was set to `value_after` at `at`. */
export type Renewal = { at: string; balance_id: string; type: string; value_after: number };

export type AccountReport = {
  account: string;
  exists: boolean;
  /** When the account was read; CDRs are taken up to this instant. */
  read_at: string;
  /** Start of the CDR window (the BSS's previous reading), or null for the account's whole life. */
  since: string | null;
  allow_negative: boolean;
  disabled: boolean;
  balances: ReportedBalance[];
  rated: RatedDebit[];
  renewals: Renewal[];
  /** How many rating CDRs the window held. */
  cdrs: number;
};

const ZERO_YEAR = "0001-";
const CDR_PAGE = 1000;
const CDR_MAX_PAGES = 200;

/** Every CDR of `account` in [since, until) of the given runs, page by page. */
export async function cdrsOf(
  client: CgratesClient,
  tenant: string,
  account: string,
  runIds: string[],
  since: string | null,
  until: string,
): Promise<CgratesCdr[]> {
  const cdrs: CgratesCdr[] = [];
  for (let page = 0; page < CDR_MAX_PAGES; page++) {
    const batch = await client.getCdrs({
      Tenants: [tenant],
      Accounts: [account],
      RunIDs: runIds,
      ...(since ? { SetupTimeStart: since } : {}),
      SetupTimeEnd: until,
      OrderBy: "SetupTime",
      Limit: CDR_PAGE,
      Offset: page * CDR_PAGE,
    });
    cdrs.push(...batch);
    if (batch.length < CDR_PAGE) break;
  }
  return cdrs;
}

type EventCost = {
  Charges?: { CompressFactor?: number; Increments?: { AccountingID?: string; CompressFactor?: number }[] }[] | null;
  Accounting?: Record<string, { BalanceUUID?: string; Units?: number }> | null;
  AccountSummary?: { BalanceSummaries?: { UUID?: string; ID?: string; Type?: string }[] | null } | null;
};

function eventCost(details: unknown): EventCost | null {
  if (typeof details === "string") {
    if (details.trim() === "") return null;
    try {
      return JSON.parse(details) as EventCost;
    } catch {
      return null;
    }
  }
  return typeof details === "object" && details !== null ? (details as EventCost) : null;
}

/**
 * Units each balance gave to one rated CDR, from its EventCost: Σ over Charges[].Increments[] of
 * Accounting[AccountingID].Units × increment × charge compress factors, keyed by balance UUID.
 */
export function debitsOfCdr(cdr: CgratesCdr): { balance_uuid: string; balance_id: string; type: string; units: number }[] {
  const ec = eventCost(cdr.CostDetails);
  if (!ec) return [];
  const summaries = new Map((ec.AccountSummary?.BalanceSummaries ?? []).map((s) => [s.UUID ?? "", s]));
  const parts = new Map<string, number[]>();
  for (const charge of ec.Charges ?? []) {
    const chargeFactor = charge.CompressFactor || 1;
    for (const increment of charge.Increments ?? []) {
      const accounting = ec.Accounting?.[increment.AccountingID ?? ""];
      if (!accounting?.BalanceUUID || typeof accounting.Units !== "number") continue;
      const list = parts.get(accounting.BalanceUUID) ?? [];
      for (let i = 0; i < (increment.CompressFactor || 1) * chargeFactor; i++) list.push(accounting.Units);
      parts.set(accounting.BalanceUUID, list);
    }
  }
  return [...parts.entries()].map(([uuid, units]) => {
    const summary = summaries.get(uuid);
    return { balance_uuid: uuid, balance_id: summary?.ID ?? "", type: summary?.Type ?? "", units: sumDecimals(units) };
  });
}

/** Reads the account, then its rating CDRs and logged renewals of [since, read_at). */
export async function readAccountReport(client: CgratesClient, tenant: string, account: string, since: string | null, now: () => Date): Promise<AccountReport> {
  const readAt = now().toISOString();
  const found = await client.getAccount({ Account: account });
  const base = { account, read_at: readAt, since };
  if (!found) return { ...base, exists: false, allow_negative: false, disabled: false, balances: [], rated: [], renewals: [], cdrs: 0 };
  const balances: ReportedBalance[] = [];
  for (const [type, list] of Object.entries(found.BalanceMap ?? {})) {
    for (const b of list ?? []) {
      balances.push({
        id: b.ID,
        uuid: b.Uuid,
        type,
        value: b.Value,
        expires_at: !b.ExpirationDate || b.ExpirationDate.startsWith(ZERO_YEAR) ? null : new Date(b.ExpirationDate).toISOString(),
        disabled: b.Disabled === true,
      });
    }
  }
  const logged = await cdrsOf(client, tenant, account, ["*topup_reset"], since, readAt);
  const renewals: Renewal[] = logged.flatMap((cdr) => {
    const id = cdr.ExtraFields?.BalanceID;
    const value = Number(cdr.ExtraFields?.BalanceValue);
    return id && Number.isFinite(value) ? [{ at: cdr.SetupTime, balance_id: id, type: cdr.ToR, value_after: value }] : [];
  });
  const rating = await cdrsOf(client, tenant, account, ["*default"], since, readAt);
  const byStretch = new Map<string, { debit: RatedDebit; units: number[] }>();
  for (const cdr of rating) {
    for (const d of debitsOfCdr(cdr)) {
      // The last renewal of this balance at or before the CDR: debits after it count against its value.
      const after = renewals.filter((r) => r.balance_id === d.balance_id && Date.parse(r.at) <= Date.parse(cdr.SetupTime)).at(-1)?.at ?? null;
      const key = `${d.balance_uuid}|${after ?? ""}`;
      const entry = byStretch.get(key) ?? {
        debit: { balance_id: d.balance_id, balance_uuid: d.balance_uuid, type: d.type, units: 0, cdrs: 0, after },
        units: [],
      };
      entry.units.push(d.units);
      entry.debit.cdrs++;
      byStretch.set(key, entry);
    }
  }
  return {
    ...base,
    exists: true,
    allow_negative: found.AllowNegative === true,
    disabled: found.Disabled === true,
    balances,
    rated: [...byStretch.values()].map(({ debit, units }) => ({ ...debit, units: sumDecimals(units) })),
    renewals,
    cdrs: rating.length,
  };
}
