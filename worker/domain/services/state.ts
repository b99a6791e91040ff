/**
 * The service lifecycle and balance rules shared by the ServiceState Durable Object and its callers.
 * Plain data and pure functions (no Cloudflare imports).
 */
import type { ActivityRow } from "../activity/record";
import { type TransactionRow, transactionRow } from "../billing/transactions";
import type { BalanceUnit } from "../catalog/schemas";
import type { AccountReading } from "../charging/reconcile";
import type { JobType } from "../jobs/contract";
import type { SearchDocument } from "../search/documents";
import type { SmsRow } from "../sms/outbox";

export const SERVICE_STATUSES = ["pending", "provisioning", "active", "suspended", "terminating", "terminated", "failed"] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

/** Explicit transitions only (ARCHITECTURE.md); anything else is refused with 409. */
export const SERVICE_TRANSITIONS = {
  start_provisioning: { from: ["pending", "failed"], to: "provisioning", job: null },
  activate: { from: ["provisioning"], to: "active", job: null },
  fail: { from: ["provisioning"], to: "failed", job: null },
  retry: { from: ["failed"], to: "provisioning", job: "provision" },
  suspend: { from: ["active"], to: "suspended", job: "suspend" },
  resume: { from: ["suspended"], to: "active", job: "resume" },
  terminate: { from: ["active", "suspended"], to: "terminating", job: "deprovision" },
  complete_termination: { from: ["terminating"], to: "terminated", job: null },
} as const satisfies Record<string, { from: readonly ServiceStatus[]; to: ServiceStatus; job: string | null }>;
export type ServiceTransition = keyof typeof SERVICE_TRANSITIONS;

export type JobRow = {
  id: string;
  type: JobType;
  status: "pending";
  serviceId: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  updatedAt: string;
};

export type ServiceRow = {
  id: string;
  customerId: string;
  productId: string;
  productVersionId: string;
  siteId: string | null;
  contactId: string | null;
  parentServiceId: string | null;
  status: ServiceStatus;
  identifiers: Record<string, string>;
  vars: Record<string, unknown>;
  activatedAt: string | null;
  terminatedAt: string | null;
  /** When the CGRateS account was last read back. */
  chargingSyncedAt?: string | null;
  createdAt: string;
  updatedAt: string;
};

export type EmailRow = {
  readonly id: string;
  readonly template: string;
  readonly toEmail: string;
  readonly toName: string | null;
  readonly subject: string;
  readonly textBody: string;
  readonly htmlBody: string;
  readonly status: "pending";
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly createdAt: string;
};

/** One balance ledger entry as the ServiceState object keeps it. */
export type LedgerEntry = {
  id: string;
  bucket_id: string;
  seq: number;
  unit: BalanceUnit;
  amount: number;
  kind: "grant" | "topup" | "debit" | "expiry" | "adjustment";
  state: "pending" | "confirmed" | "reversed";
  idempotency_key: string;
  reference: string | null;
  at: string;
  /** The CGRateS balance id this entry is about (grants, top-ups, add-ons; rating of one balance). */
  balance_id: string | null;
};

/** Everything an operation changes in D1, as plain rows: stored with the operation, written through idempotently. */
export type Effects = {
  /** Bucket snapshots after the operation (with the object's sequence number) and when they were taken. */
  buckets?: (Bucket & { seq: number })[];
  bucketsAt?: string;
  ledger?: LedgerEntry[];
  ledgerStates?: { key: string; state: LedgerEntry["state"] }[];
  serviceInserts?: ServiceRow[];
  serviceUpdate?: { id: string } & Partial<Omit<ServiceRow, "id">>;
  transactions?: TransactionRow[];
  jobs?: JobRow[];
  activity?: ActivityRow[];
  search?: SearchDocument[];
  addons?: { id: string; serviceId: string; productId: string; productVersionId: string; createdAt: string }[];
  emails?: EmailRow[];
  /** SMS to queue (welcome messages). */
  sms?: SmsRow[];
  /** What happens to the service's inventory (items and IP allocations) with this change. */
  inventory?: InventoryAction;
  /** Buckets that no longer exist (a reading of CGRateS replaced them). */
  bucketDeletes?: string[];
  /** Differences with CGRateS that nothing explains (upserted per service and unit). */
  reconciliation?: ReconciliationRow[];
};

/** One open difference between the BSS and CGRateS (`reconciliation_flags`). */
export type ReconciliationRow = { serviceId: string; unit: BalanceUnit; bss: number; cgrates: number; difference: number; since: string; lastSeenAt: string };

/** A grant of an included balance: its amount, validity and CGRateS balance id. */
export type Grant = { unit: BalanceUnit; amount: number; validity_days: number | null; balance_id?: string | null };

/** A reading of the service's CGRateS account to adopt (`applyReading`). */
export type ReadingRequest = {
  key: string;
  reading: AccountReading;
  /** Included balances granted by this job (a plan change), recorded before the reading is compared. */
  grants?: Grant[];
  /** Balance ids this job removed (a plan change's old included balances). */
  removals?: string[];
  /** Emails to queue per unit when the reading takes the unit below its low-balance threshold. */
  lowBalanceEmails?: Partial<Record<BalanceUnit, EmailRow[]>>;
  effects?: Effects;
};

/** assign: reserved items become in use (activation); release: back to stock (failure); return: termination. */
export type InventoryAction = "assign" | "release" | "return";

/** Which transitions move a service's inventory, and how. */
export const INVENTORY_ON_TRANSITION: Partial<Record<ServiceTransition, InventoryAction>> = {
  activate: "assign",
  fail: "release",
  complete_termination: "return",
};

export type Bucket = { id: string; unit: BalanceUnit; amount: number; pending_amount: number; expires_at: string | null; source: string };
export type BalanceSnapshot = { service_id: string; status: ServiceStatus; buckets: Bucket[] };

export type Failure = {
  status: 404 | 409 | 422 | 429;
  message: string;
  extra?: Record<string, unknown>;
  /** Which fields were wrong (422). */
  errors?: { path: string; message: string }[];
};
export type Outcome<T> = { ok: true; value: T; replayed: boolean } | { ok: false; error: Failure };

export type Actor = { type: "user" | "api_key" | "system" | "customer"; id: string | null; label: string };
export type OpContext = { actor: Actor; requestId: string | null; now: string };

export type CreateServicePlan = {
  key: string;
  service: ServiceRow;
  children: ServiceRow[];
  effects: Effects;
  allowNegative: boolean;
  thresholds: Partial<Record<BalanceUnit, number>>;
  /** Inventory items reserved for the service by the order (their history follows the service). */
  inventory?: string[];
};

export type TopUpRequest = {
  key: string;
  unit: BalanceUnit;
  amount: number;
  /** Days until the credited bucket expires; null = no expiry (merged into the unit's main bucket). */
  validityDays: number | null;
  reference: string | null;
  effects: Effects;
  /** Hash of the request that carried the key: the same key with another request is refused. */
  requestHash?: string | null;
  /**
   * A new request that may be turned away when the object is overloaded (429, nothing applied):
   * set on a top-up's first credit only, so a pack is never half applied.
   */
  admission?: boolean;
  /**
   * A top-up of money (unit "monetary"): the object checks it against the service's money terms it
   * holds (`MoneyTerms`) and writes its charge, so the hottest money path reads nothing from D1.
   */
  money?: MoneyTopUp;
};

/** A money top-up as the caller asked for it; the object completes it from the service's terms. */
export type MoneyTopUp = {
  currency: string;
  /** A portal customer's id: the service must be theirs (404 otherwise). Null for staff and API keys. */
  customerScope: string | null;
  /** The charge's source key (`topup:<service>:<key>`): the charge a failed top-up reverses. */
  chargeKey: string;
};

/** What a money top-up needs to know of its service: whose it is, its product, currency and tax rate. */
export type MoneyTerms = {
  customerId: string;
  productName: string;
  currency: string;
  taxClass: string;
  taxRateBp: number | null;
  /** The top-up amount includes the tax (an inclusive rate). */
  taxInclusive?: boolean;
};

/** Why a money top-up is refused: the service must be the caller's, the currency the service's, and its tax class must have a rate. */
export function refuseMoneyTopUp(terms: MoneyTerms, money: MoneyTopUp): Failure | null {
  if (money.customerScope !== null && terms.customerId !== money.customerScope) return { status: 404, message: "No service with this id." };
  if (money.currency !== terms.currency) {
    return { status: 422, message: `Top-ups of this service are in ${terms.currency}.`, errors: [{ path: "currency", message: "Currency mismatch" }] };
  }
  if (terms.taxRateBp === null) return { status: 409, message: `No tax rate for class ${terms.taxClass}.` };
  return null;
}

/** The customer's charge for a money top-up `refuseMoneyTopUp` accepted (none for a zero amount). */
export function moneyTopUpCharge(terms: MoneyTerms, serviceId: string, amount: number, money: MoneyTopUp, now: string): TransactionRow | null {
  if (amount <= 0) return null;
  return transactionRow({
    customerId: terms.customerId,
    serviceId,
    kind: "charge",
    description: `Top-up ${terms.productName}`,
    amount,
    currency: terms.currency,
    taxRateBp: terms.taxRateBp ?? 0,
    inclusive: terms.taxInclusive ?? false,
    sourceKey: money.chargeKey,
    now,
  });
}

/** The transition rule, or the reason it is refused. */
export function checkTransition(current: ServiceStatus, transition: ServiceTransition): Failure | null {
  const rule = SERVICE_TRANSITIONS[transition];
  if ((rule.from as readonly string[]).includes(current)) return null;
  return {
    status: 409,
    message: `Cannot ${transition.replace(/_/g, " ")} a service that is ${current}.`,
    extra: { current_status: current, allowed_from: rule.from },
  };
}

/** Adds days to an ISO instant. */
export function plusDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString();
}
