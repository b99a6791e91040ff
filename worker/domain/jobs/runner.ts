import { and, asc, eq, inArray, notInArray, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { getProduct, getProductAtVersion } from "../../db/queries/catalog";
import { getService } from "../../db/queries/services";
import { contacts, customers, inventoryItems, ipAllocations, jobEvents, jobs, runnerHeartbeats, sites } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { seal } from "../../lib/secret-box";
import { billRunJobDied } from "../billing/bill-runs/run";
import { broadcastJobVars } from "../broadcasts/dispatch";
import { chargingVars } from "../charging/job-vars";
import type { ServiceDeps } from "../services/port";
import type { OpContext } from "../services/state";
import { applied } from "../services/support";
import { checkVars } from "./check";
import { type JobResult, jobTransition, type LeasedMessage, OPEN_JOB_STATUSES, randomLease, WORKER_JOB_TYPES } from "./contract";
import { applyOutcome } from "./outcomes";

export type JobRecord = typeof jobs.$inferSelect;

export const MAX_VISIBILITY_MS = 12 * 3600_000;

/**
 * The playbook a job runs: the one its payload names (set when the job was made, from what the job
 * does). Jobs written before payloads named their playbook fall back to the lifecycle defaults; an
 * old `modify` job has no safe default and is refused by the runner.
 */
function playbookFor(type: JobRecord["type"], productPlay: string | null, payload: Record<string, unknown>): string | null {
  if ("playbook" in payload) return typeof payload.playbook === "string" && payload.playbook ? payload.playbook : null;
  switch (type) {
    case "provision":
      return productPlay;
    case "deprovision":
      return productPlay ? "deprovision" : null;
    case "suspend":
      return productPlay ? "suspend" : null;
    case "resume":
      return productPlay ? "resume" : null;
    case "topup":
      return payload.product_id ? "addon_topup" : null;
    default:
      return null;
  }
}

function productVars(p: NonNullable<Awaited<ReturnType<typeof getProduct>>>) {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    version: p.version,
    currency: p.currency,
    service_type: p.service_type,
    provisioning_json_vars: p.provisioning_json_vars,
    cgrates: p.cgrates,
    included_balances: p.included_balances,
  };
}

/** Everything a playbook needs, read at lease time (inventory and addresses as they are now). */
export async function jobBody(db: Db, job: JobRecord): Promise<LeasedMessage["body"]> {
  const payload = job.payload;
  if (payload.check === true) {
    const sample = await checkVars(db, job);
    return { job_id: job.id, type: job.type, service_id: null, playbook: sample?.playbook ?? null, check: true, extra_vars: sample?.extra_vars ?? {} };
  }
  // A cell broadcast job carries the exact ECBE requests (the runner only sends them).
  if (job.type === "broadcast")
    return { job_id: job.id, type: job.type, service_id: null, playbook: null, check: false, extra_vars: await broadcastJobVars(db, payload) };
  const service = job.serviceId ? await getService(db, job.serviceId) : null;
  // A catalogue job is about a product version, not a service.
  const versionId = service ? service.product_version_id : typeof payload.product_version_id === "string" ? payload.product_version_id : null;
  const version = versionId ? await getProductAtVersion(db, versionId) : null;
  const product = version ? await getProduct(db, version.id) : null;
  const [customer, site, contact, items, ips] = service
    ? await Promise.all([
        db.select({ id: customers.id, name: customers.name, type: customers.type }).from(customers).where(eq(customers.id, service.customer_id)).get(),
        service.site_id ? db.select().from(sites).where(eq(sites.id, service.site_id)).get() : undefined,
        service.contact_id ? db.select().from(contacts).where(eq(contacts.id, service.contact_id)).get() : undefined,
        db
          .select({ id: inventoryItems.id, type: inventoryItems.type, fields: inventoryItems.fields })
          .from(inventoryItems)
          .where(eq(inventoryItems.serviceId, service.id))
          .orderBy(asc(inventoryItems.id)),
        db
          .select({ id: ipAllocations.id, block_id: ipAllocations.blockId, cidr: ipAllocations.cidr })
          .from(ipAllocations)
          .where(eq(ipAllocations.serviceId, service.id)),
      ])
    : [undefined, undefined, undefined, [], []];
  const components = [];
  for (const c of (payload.components as { service_id: string; product_id: string }[] | undefined) ?? []) {
    const p = await getProduct(db, c.product_id);
    if (p) components.push({ service_id: c.service_id, product: productVars(p) });
  }
  // The product as the service has it (its price version's included balances and version number).
  const productView = version ? productVars(version) : null;
  return {
    job_id: job.id,
    type: job.type,
    service_id: job.serviceId,
    playbook: playbookFor(job.type, product?.provisioning_play ?? null, payload),
    check: false,
    extra_vars: {
      job: { id: job.id, type: job.type, attempt: job.attempts },
      service: service
        ? {
            id: service.id,
            customer_id: service.customer_id,
            product_id: service.product_id,
            status: service.status,
            identifiers: service.identifiers,
            vars: service.vars,
          }
        : null,
      customer: customer ?? null,
      site: site
        ? {
            id: site.id,
            name: site.name,
            address_line1: site.addressLine1,
            city: site.city,
            postal_code: site.postalCode,
            country: site.country,
            latitude: site.latitude,
            longitude: site.longitude,
          }
        : null,
      contact: contact ? { id: contact.id, first_name: contact.firstName, last_name: contact.lastName, email: contact.email, phone: contact.phone } : null,
      product: productView,
      inventory: items,
      ip_allocations: ips,
      components,
      charging: await chargingVars(db, job),
    },
  };
}

/**
 * A service's jobs run one at a time, in the order they were made: a top-up, a suspension and a sync
 * of one account must never overtake or overlap each other (each reads the account back after the
 * one before it). Jobs without a service are not held back.
 */
const firstOfItsService = sql`(${jobs.serviceId} IS NULL OR NOT EXISTS (SELECT 1 FROM jobs AS earlier WHERE earlier.service_id = ${jobs.serviceId} AND earlier.id < ${jobs.id} AND earlier.status IN (${sql.join(
  OPEN_JOB_STATUSES.map((s) => sql`${s}`),
  sql`, `,
)})))`;

/**
 * Leases up to `batchSize` jobs for `visibilityMs`: one UPDATE takes ready jobs (and leased ones whose
 * lease expired) so two runners never hold the same job. Jobs out of attempts are marked dead and
 * rolled back first. A provision job's lease moves its service to `provisioning`.
 */
export async function pullJobs(db: Db, deps: ServiceDeps, op: OpContext, batchSize: number, visibilityMs: number): Promise<LeasedMessage[]> {
  await killExhausted(db, deps, op);
  const expires = new Date(Date.parse(op.now) + visibilityMs).toISOString();
  const leaseIds = Array.from({ length: batchSize }, randomLease);
  // Ready (and due), or leased with its lease run out; attempts left; first of its service.
  const leasable = and(
    sql`((${jobs.status} = 'ready' AND (${jobs.notBefore} IS NULL OR ${jobs.notBefore} <= ${op.now})) OR (${jobs.status} = 'leased' AND ${jobs.leaseExpiresAt} < ${op.now}))`,
    sql`${jobs.attempts} < ${jobs.maxAttempts}`,
    // The worker runs its own job types (bill runs) from the queue consumer.
    notInArray(jobs.type, [...WORKER_JOB_TYPES]),
    firstOfItsService,
  );
  const candidates = await db.select({ id: jobs.id }).from(jobs).where(leasable).orderBy(asc(jobs.id)).limit(batchSize);
  const leased: JobRecord[] = [];
  // ready → leased, and leased → leased again once a lease has run out.
  const leaseTo = "leased" as const;
  jobTransition(["ready", "leased"], leaseTo);
  for (const [i, c] of candidates.entries()) {
    // Conditional per job: a concurrent pull that took it first makes this one take nothing.
    const [row] = await db
      .update(jobs)
      .set({
        status: leaseTo,
        leaseId: leaseIds[i] ?? randomLease(),
        leaseExpiresAt: expires,
        attempts: sql`${jobs.attempts} + 1`,
        updatedAt: op.now,
      })
      .where(and(eq(jobs.id, c.id), leasable))
      .returning();
    if (row) leased.push(row);
  }
  await heartbeat(db, op, leased.length);
  const messages: LeasedMessage[] = [];
  for (const job of leased) {
    if (job.serviceId && (job.type === "provision" || job.type === "modify")) {
      // pending/failed → provisioning; already provisioning (a re-lease) is fine.
      applied(await deps.state(job.serviceId).transition(job.serviceId, "start_provisioning", { ...op, key: `lease:${job.id}` }), `lease ${job.id}`);
    }
    messages.push({
      lease_id: job.leaseId ?? "",
      id: job.id,
      type: job.type,
      attempts: job.attempts,
      max_attempts: job.maxAttempts,
      lease_expires_at: job.leaseExpiresAt ?? expires,
      body: await jobBody(db, job),
    });
  }
  return messages;
}

/**
 * Records that a runner (its API key) pulled, for its health on the dashboard: at most one write
 * every 10 s per runner while it finds nothing, one each time it leases something.
 */
async function heartbeat(db: Db, op: OpContext, leasedCount: number): Promise<void> {
  if (!op.actor.id) return;
  const quiet = new Date(Date.parse(op.now) - 10_000).toISOString();
  await db
    .insert(runnerHeartbeats)
    .values({ keyId: op.actor.id, label: op.actor.label, lastPullAt: op.now, lastLeased: leasedCount })
    .onConflictDoUpdate({
      target: runnerHeartbeats.keyId,
      set: { lastPullAt: sql`excluded.last_pull_at`, lastLeased: sql`excluded.last_leased`, label: sql`excluded.label` },
      setWhere: sql`excluded.last_leased > 0 OR ${runnerHeartbeats.lastPullAt} < ${quiet}`,
    });
}

/**
 * Sends a job stranded in `pending` (its queue message was lost) to the queue again, now — what the
 * minute sweep does after a minute. Only a pending job: 409 otherwise.
 */
export async function resendJob(db: Db, deps: ServiceDeps, op: OpContext, id: string): Promise<void> {
  const [job] = await db
    .update(jobs)
    .set({ updatedAt: op.now })
    .where(and(eq(jobs.id, id), eq(jobs.status, "pending")))
    .returning({ id: jobs.id });
  if (!job) throw new Conflict("Only a pending job can be sent again.");
  await deps.enqueue([job.id]);
}

/** Jobs whose last lease expired with no attempts left: dead, and rolled back like a failure. */
export async function killExhausted(db: Db, deps: ServiceDeps, op: OpContext): Promise<number> {
  const dead = await db
    .update(jobs)
    .set({ status: "dead", leaseId: null, error: "No result after the last attempt (lease expired).", finishedAt: op.now, updatedAt: op.now })
    .where(and(inArray(jobs.status, jobTransition(["leased"], "dead")), sql`${jobs.leaseExpiresAt} < ${op.now}`, sql`${jobs.attempts} >= ${jobs.maxAttempts}`))
    .returning();
  for (const job of dead) {
    if (job.type === "bill_run") await billRunJobDied(db.$client, job.payload, op.now);
    else await applyOutcome(db, deps, op, job, { status: "failed", outputs: {}, error: { task: null, message: job.error ?? "dead" } });
  }
  return dead.length;
}

/** The job under a lease that is still the current one; a lost lease (re-leased, finished) is a 409. */
async function leasedJob(db: Db, id: string, leaseId: string): Promise<JobRecord> {
  const job = await db.select().from(jobs).where(eq(jobs.id, id)).get();
  if (!job) throw new NotFound("No job with this id.");
  if (job.leaseId !== leaseId || job.status !== "leased") {
    throw new Conflict("This lease is no longer held: the job was leased again or finished.", { status: job.status });
  }
  return job;
}

export type RunnerEvent = { at?: string; task: string; status: string; message?: string | null; duration_ms?: number | null };

/** Appends task events to a leased job; `extendMs` pushes the lease out (long jobs heartbeat with it). */
export async function recordEvents(db: Db, op: OpContext, id: string, leaseId: string, events: RunnerEvent[], extendMs: number | null) {
  const job = await leasedJob(db, id, leaseId);
  const last = await db
    .select({ seq: sql<number>`coalesce(max(${jobEvents.seq}), 0)` })
    .from(jobEvents)
    .where(eq(jobEvents.jobId, id))
    .get();
  let seq = last?.seq ?? 0;
  const rows = events.map((e) => ({
    jobId: id,
    seq: ++seq,
    attempt: job.attempts,
    at: e.at ?? op.now,
    task: e.task,
    status: e.status,
    message: e.message ?? null,
    durationMs: e.duration_ms ?? null,
  }));
  const expires = extendMs ? new Date(Date.parse(op.now) + extendMs).toISOString() : job.leaseExpiresAt;
  // D1 binds at most 100 parameters per statement: eight columns, twelve events per insert.
  const inserts = [];
  for (let i = 0; i < rows.length; i += 12)
    inserts.push(
      db
        .insert(jobEvents)
        .values(rows.slice(i, i + 12))
        .onConflictDoNothing(),
    );
  const statements = [
    ...inserts,
    db
      .update(jobs)
      .set({ leaseExpiresAt: expires, updatedAt: op.now })
      .where(and(eq(jobs.id, id), eq(jobs.leaseId, leaseId))),
  ];
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
  return { lease_expires_at: expires, recorded: rows.length };
}

export type RunnerResult = JobResult;
export type { LeasedMessage };

/**
 * The runner's outcome of a job. A result for a job already finished is acknowledged and ignored
 * (a runner retrying after a lost response must not apply anything twice); one under a lost lease
 * is a 409. The outcome is applied first (idempotent per job), then the job is closed.
 */
export async function reportResult(db: Db, deps: ServiceDeps, op: OpContext, id: string, leaseId: string, result: RunnerResult, sealKey: string) {
  const current = await db.select().from(jobs).where(eq(jobs.id, id)).get();
  if (!current) throw new NotFound("No job with this id.");
  if (current.status === "succeeded" || current.status === "failed" || current.status === "dead") {
    return { job: current, duplicate: true };
  }
  const job = await leasedJob(db, id, leaseId);
  await applyOutcome(db, deps, op, job, result);
  // Access credentials a playbook generated are kept only sealed (AES-GCM), never shown in clear.
  const { credentials, ...outputs } = result.outputs;
  const stored = credentials === undefined ? outputs : { ...outputs, credentials_sealed: await seal(sealKey, JSON.stringify(credentials)) };
  const [closed] = await db
    .update(jobs)
    .set({
      status: result.status,
      result: stored,
      error: result.error ? `${result.error.task ? `${result.error.task}: ` : ""}${result.error.message}` : null,
      finishedAt: op.now,
      leaseId: null,
      updatedAt: op.now,
    })
    .where(and(eq(jobs.id, id), eq(jobs.leaseId, leaseId), inArray(jobs.status, jobTransition(["leased"], result.status))))
    .returning();
  return { job: closed ?? (await db.select().from(jobs).where(eq(jobs.id, id)).get()) ?? job, duplicate: !closed };
}

/**
 * `ack`: the runner is done with these leases (results were posted; an ack without a result is
 * ignored, the lease simply runs out). `retry`: give the job back now, to be leased again after
 * `delay_seconds` (the attempt counts); out of attempts, it is dead and rolled back.
 */
export async function ackJobs(db: Db, deps: ServiceDeps, op: OpContext, acks: string[], retries: { lease_id: string; delay_seconds?: number }[]) {
  let retried = 0;
  for (const r of retries) {
    const notBefore = new Date(Date.parse(op.now) + (r.delay_seconds ?? 0) * 1000).toISOString();
    const [job] = await db
      .update(jobs)
      .set({ status: "ready", leaseId: null, leaseExpiresAt: null, notBefore, updatedAt: op.now })
      .where(and(eq(jobs.leaseId, r.lease_id), inArray(jobs.status, jobTransition(["leased"], "ready")), sql`${jobs.attempts} < ${jobs.maxAttempts}`))
      .returning();
    if (job) {
      retried++;
      continue;
    }
    const [exhausted] = await db
      .update(jobs)
      .set({ status: "dead", leaseId: null, error: "Retried after its last attempt.", finishedAt: op.now, updatedAt: op.now })
      .where(and(eq(jobs.leaseId, r.lease_id), inArray(jobs.status, jobTransition(["leased"], "dead"))))
      .returning();
    if (exhausted) await applyOutcome(db, deps, op, exhausted, { status: "failed", outputs: {}, error: { task: null, message: "out of attempts" } });
  }
  // A result closes its job and clears its lease: an ack counts when its lease is no longer held.
  const stillHeld = acks.length ? (await db.select({ id: jobs.id }).from(jobs).where(inArray(jobs.leaseId, acks))).length : 0;
  return { acked: acks.length - stillHeld, retried };
}

/** Staff retry of a dead or failed job: attempts start again. */
export async function retryJob(db: Db, op: OpContext, id: string) {
  const [job] = await db
    .update(jobs)
    .set({ status: "ready", attempts: 0, leaseId: null, leaseExpiresAt: null, notBefore: null, error: null, finishedAt: null, updatedAt: op.now })
    .where(and(eq(jobs.id, id), inArray(jobs.status, jobTransition(["dead", "failed"], "ready"))))
    .returning();
  if (!job) throw new Conflict("Only a dead or failed job can be retried.");
  return job;
}

/**
 * The minute sweep: jobs still `pending` a minute after they were written (their queue message was
 * lost or never sent) are sent again; leases that ran out on their last attempt end dead. The
 * worker's own jobs (bill runs) are sent again too when they sat `ready` for a minute or their
 * executor died (lease run out, attempts left): the next delivery continues where it stopped.
 */
export async function sweepJobs(db: Db, deps: ServiceDeps, op: OpContext): Promise<{ resent: number; dead: number }> {
  const stale = new Date(Date.parse(op.now) - 60_000).toISOString();
  const dead = await killExhausted(db, deps, op);
  const stranded = await db
    .update(jobs)
    .set({ updatedAt: op.now })
    .where(
      or(
        and(eq(jobs.status, "pending"), sql`${jobs.updatedAt} < ${stale}`),
        and(
          inArray(jobs.type, [...WORKER_JOB_TYPES]),
          or(
            and(eq(jobs.status, "ready"), sql`${jobs.updatedAt} < ${stale}`),
            and(eq(jobs.status, "leased"), sql`${jobs.leaseExpiresAt} < ${op.now}`, sql`${jobs.attempts} < ${jobs.maxAttempts}`),
          ),
        ),
      ),
    )
    .returning({ id: jobs.id });
  await deps.enqueue(stranded.map((j) => j.id));
  return { resent: stranded.length, dead };
}
