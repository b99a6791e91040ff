import type { BalanceUnit } from "../catalog/schemas";
import type { ChargingSnapshot, UnitReconciliation } from "../charging/reconcile";
import type { WriteContext } from "../context";
import type {
  BalanceSnapshot,
  CreateServicePlan,
  Effects,
  Grant,
  OpContext,
  Outcome,
  ReadingRequest,
  ServiceStatus,
  ServiceTransition,
  TopUpRequest,
} from "./state";

/**
 * What use cases need from a service's ServiceState Durable Object. Declared here so the domain
 * imports nothing of Cloudflare; the object's RPC stub (typed from its class) is assigned to it
 * without a cast in worker/durable/service-client.ts, so the compiler holds the two together.
 */
export type ServiceStatePort = {
  create(plan: CreateServicePlan): Promise<Outcome<{ service_id: string }>>;
  transition(
    serviceId: string,
    transition: ServiceTransition,
    op: OpContext & {
      key: string;
      effects?: Effects;
      identifiers?: Record<string, string>;
      grants?: Grant[];
      inventory?: string[];
      reason?: string | null;
    },
  ): Promise<Outcome<{ status: ServiceStatus; previous: ServiceStatus }>>;
  topUp(serviceId: string, request: TopUpRequest, op: OpContext): Promise<Outcome<BalanceSnapshot & { entry: string }>>;
  settleTopUp(serviceId: string, topUpKey: string, result: "confirmed" | "reversed", op: OpContext & { effects?: Effects }): Promise<Outcome<BalanceSnapshot>>;
  debit(
    serviceId: string,
    request: { key: string; unit: BalanceUnit; amount: number; reference: string | null; lowBalanceEmail?: Effects["emails"] },
    op: OpContext,
  ): Promise<Outcome<BalanceSnapshot>>;
  apply(serviceId: string, key: string, effects: Effects, requireStatus: ServiceStatus[], meta?: Record<string, string>): Promise<Outcome<{ applied: true }>>;
  snapshot(serviceId: string): Promise<Outcome<BalanceSnapshot>>;
  applyReading(serviceId: string, request: ReadingRequest, op: OpContext): Promise<Outcome<BalanceSnapshot & { reconciliation: UnitReconciliation[] }>>;
  chargingSnapshot(serviceId: string): Promise<Outcome<ChargingSnapshot | null>>;
};

export type ServiceDeps = {
  state: (serviceId: string) => ServiceStatePort;
  /** Sends job ids to the provisioning queue once their rows are committed. */
  enqueue: (jobIds: string[]) => Promise<void>;
  /** The worker's public origin, for links in emails (PUBLIC_URL, else the request's origin). */
  baseUrl?: string;
  /** Called after an order took items of these inventory types (low-stock alerts). */
  stockChanged?: (ctx: WriteContext, types: string[]) => Promise<void>;
};
