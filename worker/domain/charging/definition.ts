/**
 * What CGRateS needs of a product, built from the product definition by the BSS (never assumed to
 * exist): ready values in CGRateS's units, handed to playbooks as `charging.product`.
 *
 * - Included balances get stable ids, `inc-<slug>-<index>`: provisioning adds them, the monthly
 *   renewal resets them, a plan change removes them. Top-ups and add-ons use their own keys.
 * - A monthly standalone product with included balances gets a renewal action set
 *   `ACT_<plan>_RENEW` (`*topup_reset` of each included balance, then `*cdrlog` so the BSS can tell a
 *   renewal from any other change) and an action plan `<plan>` running it monthly, where `<plan>`
 *   is `<cgrates.action_plan or AP_<slug>>_v<version>`: a new price version makes a new plan, so a
 *   plan's content never changes (overwriting a plan in CGRateS would detach its accounts).
 * - An add-on gets its action set `<cgrates.actions or Action_<slug>>` (`*topup` of each included
 *   balance; OmniCRM's naming): a job runs it through a copy keyed by the job.
 * - Low-balance thresholds become action triggers, group `TRG_<slug>_v<version>`, one per unit
 *   (`*min_balance`), running `ACT_OPENBSS_LOW_BALANCE` (a `*log`).
 */
import { type CgratesBalanceType, toCgrates } from "../../lib/charging-units";
import type { BalanceUnit, ProductView } from "../catalog/schemas";

/** A balance to put on an account, in both units: the BSS's (ledger) and CGRateS's (wire). */
export type ChargingBalance = {
  id: string;
  unit: BalanceUnit;
  amount: number;
  validity_days: number | null;
  type: CgratesBalanceType;
  value: number;
  /** CGRateS ExpiryTime: `+<hours>h`, or `*unlimited`. */
  expiry: string;
};

export type V1TpAction = {
  Identifier: string;
  BalanceId?: string;
  BalanceType?: CgratesBalanceType;
  Units?: number;
  ExpiryTime?: string;
  ExtraParameters?: string;
  Weight: number;
};

export type ProductCharging = {
  /** What cgrates_catalog loads (idempotent). */
  definition: {
    actions: { ActionsId: string; Actions: V1TpAction[] }[];
    action_plans: { Id: string; ActionPlan: { ActionsId: string; Time: string; Weight: number }[] }[];
    action_triggers: { GroupID: string; UniqueID: string; ActionTrigger: Record<string, string | number | boolean> }[];
  };
  /** The account options, plans and trigger groups of a service of this product. */
  account: { allow_negative: boolean; disabled: boolean; action_plans: string[]; action_triggers: string[] };
  /** The included balances a new service gets. */
  balances: ChargingBalance[];
  /** Add-ons: the catalogue action set a purchase runs. */
  actions_id: string | null;
};

/** The action set every low-balance trigger runs (a log line in CGRateS; the BSS emails the customer). */
export const LOW_BALANCE_ACTIONS = "ACT_OPENBSS_LOW_BALANCE";

/** The CGRateS id of a product's included balance (stable across versions, reset by renewals). */
export function includedBalanceId(slug: string, index: number): string {
  return `inc-${slug}-${index}`;
}

/** A balance for the wire, from BSS units. */
export function chargingBalance(id: string, grant: { unit: BalanceUnit; amount: number; validity_days: number | null }, currency: string): ChargingBalance {
  const { type, value } = toCgrates(grant.unit, grant.amount, currency);
  return {
    id,
    unit: grant.unit,
    amount: grant.amount,
    validity_days: grant.validity_days,
    type,
    value,
    expiry: grant.validity_days === null ? "*unlimited" : `+${grant.validity_days * 24}h`,
  };
}

type ProductTerms = Pick<
  ProductView,
  "slug" | "type" | "version" | "currency" | "recurring_period" | "included_balances" | "low_balance_thresholds" | "allow_negative" | "cgrates"
>;

/** The product's renewal action plan id, or null when it has none. */
export function actionPlanId(p: ProductTerms): string | null {
  if (p.type !== "standalone" || p.recurring_period !== "monthly" || p.included_balances.length === 0) return null;
  const base = typeof p.cgrates.action_plan === "string" && p.cgrates.action_plan ? p.cgrates.action_plan : `AP_${p.slug}`;
  return `${base}_v${p.version}`;
}

/** The add-on's catalogue action set id, or null for other products. */
export function addonActionsId(p: ProductTerms): string | null {
  if (p.type !== "addon" || p.included_balances.length === 0) return null;
  return typeof p.cgrates.actions === "string" && p.cgrates.actions ? p.cgrates.actions : `Action_${p.slug}`;
}

/** Everything CGRateS needs of one product version. */
export function productCharging(p: ProductTerms): ProductCharging {
  const balances = p.included_balances.map((b, i) => chargingBalance(includedBalanceId(p.slug, i), b, p.currency));
  const actions: ProductCharging["definition"]["actions"] = [];
  const plans: ProductCharging["definition"]["action_plans"] = [];
  const plan = actionPlanId(p);
  if (plan) {
    const renew = `ACT_${plan}_RENEW`;
    actions.push({
      ActionsId: renew,
      Actions: [
        ...balances.map((b, i) => ({ Identifier: "*topup_reset", BalanceId: b.id, BalanceType: b.type, Units: b.value, ExpiryTime: b.expiry, Weight: 20 + i })),
        // Logs each reset as a CDR (RunID *topup_reset) with the balance's id and value after it.
        { Identifier: "*cdrlog", ExtraParameters: JSON.stringify({ BalanceID: "~*acnt.BalanceID", BalanceValue: "~*acnt.BalanceValue" }), Weight: 10 },
      ],
    });
    plans.push({ Id: plan, ActionPlan: [{ ActionsId: renew, Time: "*monthly", Weight: 10 }] });
  }
  const addonSet = addonActionsId(p);
  if (addonSet) {
    actions.push({
      ActionsId: addonSet,
      Actions: balances.map((b, i) => ({ Identifier: "*topup", BalanceType: b.type, Units: b.value, ExpiryTime: b.expiry, Weight: 20 + i })),
    });
  }
  const thresholds = Object.entries(p.low_balance_thresholds) as [BalanceUnit, number][];
  const group = thresholds.length > 0 && p.type !== "addon" ? `TRG_${p.slug}_v${p.version}` : null;
  if (group) actions.push({ ActionsId: LOW_BALANCE_ACTIONS, Actions: [{ Identifier: "*log", Weight: 10 }] });
  const triggers = group
    ? thresholds.map(([unit, amount]) => {
        const { type, value } = toCgrates(unit, amount, p.currency);
        return {
          GroupID: group,
          UniqueID: `low-${unit}`,
          ActionTrigger: { ThresholdType: "*min_balance", ThresholdValue: value, BalanceType: type, ActionsID: LOW_BALANCE_ACTIONS, Recurrent: false },
        };
      })
    : [];
  const options = (typeof p.cgrates.account_options === "object" && p.cgrates.account_options !== null ? p.cgrates.account_options : {}) as {
    allow_negative?: unknown;
    disabled?: unknown;
  };
  const allowNegative = typeof options.allow_negative === "boolean" ? options.allow_negative : p.allow_negative;
  return {
    definition: { actions, action_plans: plans, action_triggers: triggers },
    account: {
      allow_negative: allowNegative,
      disabled: options.disabled === true,
      action_plans: plan ? [plan] : [],
      action_triggers: group ? [group] : [],
    },
    balances,
    actions_id: addonSet,
  };
}
