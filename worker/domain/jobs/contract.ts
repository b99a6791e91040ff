/**
 * The job contract, in one place (imports only zod): job types and statuses, the state machine,
 * each type's payload (what the job was made with) and outputs (what the runner reports), task
 * events, and the leased message the runner receives. The D1 schema, the runner API, outcome
 * handling and the runner (`runner/`) all read it, so adding a job type is this file and its handler.
 */
import { z } from "zod";

export const JOB_TYPES = ["provision", "deprovision", "suspend", "resume", "modify", "topup", "sync_balance", "catalog", "bill_run", "broadcast"] as const;
export type JobType = (typeof JOB_TYPES)[number];

/**
 * Job types the worker runs itself, from the queue consumer (they need only D1): the runner never
 * leases them. The others need the operator's network (Ansible, CGRateS) and go to the runner.
 */
export const WORKER_JOB_TYPES = ["bill_run"] as const satisfies readonly JobType[];

export const JOB_STATUSES = ["pending", "ready", "leased", "succeeded", "failed", "dead"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses of a job that is still to run (or running). */
export const OPEN_JOB_STATUSES = ["pending", "ready", "leased"] as const satisfies readonly JobStatus[];
/** Statuses a job ends in. */
export const FINISHED_JOB_STATUSES = ["succeeded", "failed", "dead"] as const satisfies readonly JobStatus[];

/**
 * Explicit transitions only. pending → ready (the queue consumer); ready → leased (a pull); leased →
 * leased (leased again once its lease ran out), ready (given back to retry later), succeeded |
 * failed (its result), dead (no attempts left); failed | dead → ready (a staff retry).
 */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  pending: ["ready"],
  ready: ["leased"],
  leased: ["leased", "ready", "succeeded", "failed", "dead"],
  succeeded: [],
  failed: ["ready"],
  dead: ["ready"],
};

/** A job status change the state machine does not allow (a programming error, never user input). */
export class JobTransitionError extends Error {
  override readonly name = "JobTransitionError";
}

/** The statuses a job may move to `to` from; throws unless each of `from` may. */
export function jobTransition(from: readonly JobStatus[], to: JobStatus): readonly JobStatus[] {
  for (const f of from) {
    if (!JOB_TRANSITIONS[f].includes(to)) throw new JobTransitionError(`a job cannot go from ${f} to ${to}`);
  }
  return from;
}

/** A new lease id (`lse_` + 128 random bits): who holds a leased job, the runner or the worker. */
export function randomLease(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `lse_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const JOB_EVENT_STATUSES = ["started", "ok", "changed", "failed", "skipped", "unreachable", "rescued", "info"] as const;

/** One task event of a running job (the runner streams them; the job page shows them). */
export const JobEvent = z.strictObject({
  at: z.iso.datetime({ offset: true }).optional(),
  task: z.string().trim().min(1).max(300),
  status: z.enum(JOB_EVENT_STATUSES),
  message: z.string().max(4000).nullable().optional(),
  duration_ms: z.number().int().min(0).max(86_400_000).nullable().optional(),
});
export type JobEvent = z.infer<typeof JobEvent>;

const id = z.string().min(1).max(100);
const units = z.enum(["monetary", "data", "voice", "sms"]);

/** A balance in BSS and CGRateS units (worker/domain/charging/definition.ts `ChargingBalance`). */
export const ChargingBalancePayload = z.object({
  id: z.string().min(1).max(200),
  unit: units,
  amount: z.number().int(),
  validity_days: z.number().int().nullable(),
  type: z.enum(["*monetary", "*data", "*voice", "*sms"]),
  value: z.number(),
  expiry: z.string(),
});

const playbook = z.string().max(64).nullable();

/** What each job type is made with (the `payload` column). Unknown keys are kept (older jobs). */
export const JOB_PAYLOADS = {
  provision: z.looseObject({
    service_id: id.optional(),
    playbook: playbook.optional(),
    provisioning_play: playbook.optional(),
    components: z.array(z.looseObject({ service_id: id, product_id: id })).default([]),
    /** A dry run of a product's playbook (`ansible-playbook --check`), with no service. */
    check: z.boolean().optional(),
    product_id: id.optional(),
  }),
  deprovision: z.looseObject({ service_id: id, playbook: playbook.optional() }),
  suspend: z.looseObject({ service_id: id, playbook: playbook.optional() }),
  resume: z.looseObject({ service_id: id, playbook: playbook.optional() }),
  modify: z.looseObject({
    service_id: id,
    change: z.literal("plan"),
    playbook: playbook.optional(),
    from: z.looseObject({ product_id: id, version_id: id }),
    to: z.looseObject({ product_id: id, version_id: id }),
    remove_balances: z.array(z.string()).default([]),
    grants: z.array(ChargingBalancePayload).default([]),
  }),
  topup: z.looseObject({
    service_id: id,
    top_up_keys: z.array(z.string().min(1)).min(1),
    credits: z.array(ChargingBalancePayload).default([]),
    product_id: id.nullable().optional(),
    product_version_id: id.nullable().optional(),
    playbook: playbook.optional(),
    actions_id: z.string().nullable().optional(),
    addon_id: id.optional(),
    /** The source key of the charge a failed top-up reverses. */
    charge_key: z.string().min(1).optional(),
  }),
  sync_balance: z.looseObject({ service_id: id, reason: z.enum(["requested", "periodic", "nightly"]).optional() }),
  catalog: z.looseObject({ product_id: id, product_version_id: id, playbook: playbook.optional() }),
  bill_run: z.looseObject({ bill_run_id: id }),
  /** Send an approved cell broadcast alert to the CBC, stop it (cancel, expiry), or read its per-cell results again. */
  broadcast: z.looseObject({ broadcast_id: id, action: z.enum(["send", "stop", "status"]) }),
} satisfies Record<JobType, z.ZodType>;
export type JobPayload<T extends JobType> = z.infer<(typeof JOB_PAYLOADS)[T]>;

/** A job's payload read through its type's schema (null when it does not fit). */
export function parsePayload<T extends JobType>(type: T, payload: unknown): JobPayload<T> | null {
  const parsed = JOB_PAYLOADS[type].safeParse(payload);
  return parsed.success ? (parsed.data as JobPayload<T>) : null;
}

/** One account the runner read back after a job (CGRateS units; runner/lib/charging-report.ts). */
export const AccountReport = z.looseObject({
  account: z.string(),
  exists: z.boolean(),
  read_at: z.string(),
  since: z.string().nullable().optional(),
  allow_negative: z.boolean().optional(),
  disabled: z.boolean().optional(),
  balances: z.array(z.looseObject({ id: z.string(), type: z.string(), value: z.number(), expires_at: z.string().nullable() })).default([]),
  rated: z.array(z.looseObject({ balance_id: z.string(), type: z.string(), units: z.number(), after: z.string().nullable() })).default([]),
  renewals: z.array(z.looseObject({ at: z.string(), balance_id: z.string(), type: z.string(), value_after: z.number() })).default([]),
});
export type AccountReport = z.infer<typeof AccountReport>;

/** One day of one unit's usage (sync_balance). */
export const UsageRow = z.looseObject({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  unit: units,
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/** What a runner may report of any job (each type reads what it needs). */
export const JobOutputs = z.looseObject({
  /** Provisioning: merged into the service's identifiers. */
  identifiers: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  /** A device configuration to keep as a new version. */
  config: z.looseObject({ item_id: z.string(), content: z.string() }).optional(),
  /** Generated access credentials (stored sealed, never in clear). */
  credentials: z.unknown().optional(),
  /** sync_balance: usage per day and unit. */
  usage: z.array(z.unknown()).optional(),
  /** The accounts read back after the job. */
  charging_report: z.looseObject({ read_at: z.string(), accounts: z.array(AccountReport) }).optional(),
});
type KnownOutputs = z.infer<typeof JobOutputs>;
export type JobOutputs = {
  identifiers?: KnownOutputs["identifiers"];
  config?: KnownOutputs["config"];
  credentials?: unknown;
  usage?: z.infer<typeof UsageRow>[];
  charging_report?: KnownOutputs["charging_report"];
};

/** A job's outcome as the runner reports it. */
export const JobResult = z.strictObject({
  status: z.enum(["succeeded", "failed"]),
  outputs: z.record(z.string(), z.unknown()).default({}),
  error: z
    .strictObject({ task: z.string().max(300).nullable().default(null), message: z.string().max(4000) })
    .nullable()
    .default(null),
});
export type JobResult = z.infer<typeof JobResult>;

/** A job's outputs read through the contract (a part that does not fit is left out, never trusted). */
export function parseOutputs(outputs: unknown): JobOutputs {
  // Keep the parts that fit: one malformed field (or usage row) must not hide the rest.
  const out: Record<string, unknown> = {};
  const record = typeof outputs === "object" && outputs !== null ? (outputs as Record<string, unknown>) : {};
  for (const [key, schema] of Object.entries(JobOutputs.shape)) {
    const one = (schema as z.ZodType).safeParse(record[key]);
    if (one.success && one.data !== undefined) out[key] = one.data;
  }
  if (Array.isArray(out.usage))
    out.usage = out.usage.flatMap((row) => {
      const parsed = UsageRow.safeParse(row);
      return parsed.success ? [parsed.data] : [];
    });
  return out as JobOutputs;
}

/** What the runner receives for one leased job (Cloudflare Queues pull semantics: a lease per message). */
export type LeasedMessage = {
  lease_id: string;
  id: string;
  type: JobType;
  attempts: number;
  max_attempts: number;
  lease_expires_at: string;
  body: {
    job_id: string;
    type: JobType;
    service_id: string | null;
    playbook: string | null;
    /** Run the playbook with `--check` (a dry run from the product page): nothing is changed. */
    check?: boolean;
    extra_vars: Record<string, unknown>;
  };
};
