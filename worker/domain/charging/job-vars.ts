import { eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { getProductAtVersion } from "../../db/queries/catalog";
import { services } from "../../db/schema";
import { type ChargingBalance, type ProductCharging, productCharging } from "./definition";

/**
 * The `charging` variables of a job: what it must do in CGRateS, in CGRateS's units (built here, so
 * playbooks never convert), and which accounts the runner reads back afterwards (`report`, each
 * with the instant the BSS last read it: the runner returns rating since then).
 */
export type ChargingVars = {
  account: string | null;
  currency: string | null;
  report: { account: string; since: string | null }[];
  product?: ProductCharging;
  components?: { service_id: string; product: ProductCharging }[];
  addon?: ProductCharging;
  actions_id?: string | null;
  credits?: ChargingBalance[];
  remove_balances?: string[];
  grants?: ChargingBalance[];
  disabled?: boolean;
};

type JobLike = { type: string; serviceId: string | null; payload: Record<string, unknown> };

async function chargingOfVersion(db: Db, versionId: unknown): Promise<ProductCharging | undefined> {
  if (typeof versionId !== "string") return undefined;
  const p = await getProductAtVersion(db, versionId);
  return p ? productCharging(p) : undefined;
}

async function readBack(db: Db, ids: string[]): Promise<ChargingVars["report"]> {
  if (ids.length === 0) return [];
  const rows = await db.select({ id: services.id, since: services.chargingSyncedAt }).from(services).where(inArray(services.id, ids));
  const since = new Map(rows.map((r) => [r.id, r.since]));
  return ids.map((account) => ({ account, since: since.get(account) ?? null }));
}

/** The charging variables of a job (see {@link ChargingVars}). */
export async function chargingVars(db: Db, job: JobLike): Promise<ChargingVars> {
  const payload = job.payload;
  if (job.type === "catalog") {
    const product = await chargingOfVersion(db, payload.product_version_id);
    return { account: null, currency: null, report: [], ...(product ? { product } : {}) };
  }
  const service = job.serviceId
    ? await db.select({ id: services.id, versionId: services.productVersionId }).from(services).where(eq(services.id, job.serviceId)).get()
    : undefined;
  if (!service) return { account: null, currency: null, report: [] };
  const own = await getProductAtVersion(db, service.versionId);
  const base: ChargingVars = { account: service.id, currency: own?.currency ?? null, report: [] };
  switch (job.type) {
    case "provision": {
      const components: NonNullable<ChargingVars["components"]> = [];
      const children = (payload.components as { service_id: string }[] | undefined) ?? [];
      for (const c of children) {
        const child = await db.select({ versionId: services.productVersionId }).from(services).where(eq(services.id, c.service_id)).get();
        const product = await chargingOfVersion(db, child?.versionId);
        if (product) components.push({ service_id: c.service_id, product });
      }
      // A bundle has no account of its own: its components have theirs.
      const accounts = children.length > 0 ? children.map((c) => c.service_id) : [service.id];
      return { ...base, ...(own ? { product: productCharging(own) } : {}), components, report: await readBack(db, accounts) };
    }
    case "modify": {
      const product = await chargingOfVersion(db, (payload.to as { version_id?: unknown } | undefined)?.version_id);
      return {
        ...base,
        ...(product ? { product } : {}),
        remove_balances: (payload.remove_balances as string[] | undefined) ?? [],
        grants: (payload.grants as ChargingBalance[] | undefined) ?? [],
        report: await readBack(db, [service.id]),
      };
    }
    case "topup": {
      const addon = await chargingOfVersion(db, payload.product_version_id);
      return {
        ...base,
        ...(addon ? { addon } : {}),
        actions_id: typeof payload.actions_id === "string" ? payload.actions_id : null,
        credits: (payload.credits as ChargingBalance[] | undefined) ?? [],
        report: await readBack(db, [service.id]),
      };
    }
    case "suspend":
    case "resume":
      return { ...base, disabled: job.type === "suspend", report: await readBack(db, [service.id]) };
    case "sync_balance":
      return { ...base, report: await readBack(db, [service.id]) };
    default:
      return base;
  }
}
