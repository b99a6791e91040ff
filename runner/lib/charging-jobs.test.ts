import { resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SimAccount, SimCall } from "../../simulators/cgrates/server";
import { startCgratesSimulator } from "../../simulators/cgrates/server";
import type { RunningSimulator } from "../../simulators/lib/server";
import { type ChargingBalance, chargingBalance, includedBalanceId, productCharging } from "../../worker/domain/charging/definition";
import type { JobEvent, JobResult, LeasedMessage } from "./api";
import type { AccountReport } from "./charging-report";
import { createJobExecutor, killPlaybookProcesses } from "./executor";
import { requireAnsible } from "./test-helpers";

/**
 * Each job type runs exactly what it names, checked on the other side: the calls the CGRateS
 * simulator (strict: it refuses unknown fields and unit mistakes) received, with their fields, and
 * the account it holds afterwards. The executor is the runner's own, with the real ansible-playbook.
 */

const PLAYBOOKS = resolve(import.meta.dirname, "../../playbooks");
const TENANT = "cgrates.org";
const GB = 2 ** 30;

type SimState = {
  accounts: Record<string, SimAccount & { ActionTriggers: { ID: string; UniqueID: string }[] | null }>;
  accountActionPlans: Record<string, string[]>;
  actions: Record<string, { Identifier: string; BalanceId: string; BalanceType: string; Units: number }[]>;
  attributeProfiles: Record<string, { FilterIDs: string[] }>;
  calls: SimCall[];
  cdrs: Record<string, unknown>[];
};

let sim: RunningSimulator;
const state = async () => (await (await fetch(`${sim.url}/_sim/state`)).json()) as SimState;
const account = (id: string) => `${TENANT}:${id}`;

const prepaid = {
  slug: "mobile-prepaid-10gb",
  type: "standalone" as const,
  version: 1,
  currency: "EUR",
  recurring_period: "monthly" as const,
  allow_negative: false,
  low_balance_thresholds: { data: GB },
  cgrates: { account_options: {}, action_plan: null, actions: null },
  included_balances: [
    { unit: "data" as const, amount: 10 * GB, validity_days: 30 },
    { unit: "voice" as const, amount: 300 * 60, validity_days: 30 },
    { unit: "sms" as const, amount: 100, validity_days: 30 },
  ],
};
const postpaid = {
  ...prepaid,
  slug: "mobile-postpaid-unlimited",
  allow_negative: true,
  low_balance_thresholds: {},
  cgrates: { account_options: { allow_negative: true }, action_plan: null, actions: null },
  included_balances: [{ unit: "data" as const, amount: 100 * GB, validity_days: 30 }],
};
const pack = {
  ...prepaid,
  slug: "data-pack-5gb",
  type: "addon" as const,
  recurring_period: "none" as const,
  low_balance_thresholds: {},
  cgrates: { account_options: {}, action_plan: null, actions: "Action_data-pack-5gb" },
  included_balances: [{ unit: "data" as const, amount: 5 * GB, validity_days: 30 }],
};

type Body = LeasedMessage["body"];
let counter = 0;

/** A leased job as the worker sends it (the shape of worker/domain/jobs/runner.ts jobBody). */
function leased(
  type: Body["type"],
  serviceId: string,
  playbook: string | null,
  charging: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): LeasedMessage {
  const jobId = `job_test_${++counter}`;
  return {
    lease_id: `lse_${counter}`,
    id: jobId,
    type,
    attempts: 1,
    max_attempts: 5,
    lease_expires_at: new Date(Date.now() + 60_000).toISOString(),
    body: {
      job_id: jobId,
      type,
      service_id: serviceId,
      playbook,
      check: false,
      extra_vars: {
        job: { id: jobId, type, attempt: 1 },
        service: {
          id: serviceId,
          customer_id: "cus_1",
          product_id: "prd_1",
          status: type === "provision" ? "provisioning" : "active",
          identifiers: {},
          vars: {},
        },
        customer: { id: "cus_1", name: "Ada", type: "individual" },
        site: null,
        contact: null,
        product: { slug: prepaid.slug },
        inventory: [
          { id: "itm_sim", type: "sim", fields: { iccid: "8944100000000000017", imsi: "234150000000017" } },
          { id: "itm_num", type: "phone_number", fields: { msisdn: "+33612345678" } },
        ],
        ip_allocations: [],
        components: [],
        charging: { account: serviceId, currency: "EUR", report: [{ account: serviceId, since: null }], ...charging },
        ...extra,
      },
    },
  };
}

const executor = () =>
  createJobExecutor({
    playbooksDir: PLAYBOOKS,
    jobTimeoutMs: 60_000,
    cgrates: { url: `${sim.url}/jsonrpc`, tenant: TENANT },
    // A crash, not a shutdown: the playbook gets no chance to run its rescue.
    killPlaybooks: () => void killPlaybookProcesses(process.pid, "SIGKILL"),
  });

async function execute(message: LeasedMessage, signal: AbortSignal = new AbortController().signal): Promise<JobResult & { events: JobEvent[] }> {
  const events: JobEvent[] = [];
  const result = await executor()(message, { signal, onEvent: (e) => events.push(e) });
  return { ...result, events };
}

async function rpc(method: string, params: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}/jsonrpc`, { method: "POST", body: JSON.stringify({ method, params: [params], id: 1 }) });
  const body = (await res.json()) as { result: unknown; error: string | null };
  if (body.error) throw new Error(`${method}: ${body.error}`);
  return body.result;
}

/** An account as provisioning leaves it, made directly (fast) for the jobs that start from one. */
async function seedPrepaidAccount(serviceId: string) {
  const charging = productCharging(prepaid);
  for (const a of charging.definition.actions) await rpc("APIerSv1.SetActions", { ...a, Overwrite: true });
  for (const p of charging.definition.action_plans) await rpc("APIerSv1.SetActionPlan", { ...p, Overwrite: true });
  for (const t of charging.definition.action_triggers) await rpc("APIerSv1.SetActionTrigger", t);
  await rpc("APIerSv2.SetAccount", {
    Tenant: TENANT,
    Account: serviceId,
    ActionPlanIDs: charging.account.action_plans,
    ActionTriggerIDs: charging.account.action_triggers,
    ExtraOptions: { AllowNegative: false },
  });
  for (const b of charging.balances)
    await rpc("APIerSv1.AddBalance", { Tenant: TENANT, Account: serviceId, BalanceType: b.type, Value: b.value, Balance: { ID: b.id, ExpiryTime: b.expiry } });
  await rpc("APIerSv1.AddBalance", {
    Tenant: TENANT,
    Account: serviceId,
    BalanceType: "*monetary",
    Value: 10,
    Balance: { ID: "topup:m1", ExpiryTime: "*unlimited" },
  });
}

/** What must be exactly right after a job: balances (id, type, value), options, plans, triggers, identifiers. */
async function accountShape(serviceId: string) {
  const s = await state();
  const acc = s.accounts[account(serviceId)];
  return {
    balances: Object.entries(acc?.BalanceMap ?? {})
      .flatMap(([type, list]) => list.map((b) => `${type} ${b.ID} ${b.Value}`))
      .sort(),
    allowNegative: acc?.AllowNegative,
    disabled: acc?.Disabled,
    plans: s.accountActionPlans[account(serviceId)] ?? [],
    triggers: (acc?.ActionTriggers ?? []).map((t) => `${t.ID}/${t.UniqueID}`).sort(),
    identifiers: Object.entries(s.attributeProfiles)
      .filter(([id]) => id.includes(serviceId))
      .map(([id, p]) => `${id} ${p.FilterIDs.join(",")}`)
      .sort(),
  };
}

/** The calls since `from`, as [method, params] (tests assert the wire fields). */
const callsSince = async (from: number) =>
  (await state()).calls.slice(from).map((c) => [c.method, (c.params as unknown[] | null)?.[0]] as [string, Record<string, unknown>]);
const report = (result: JobResult) => (result.outputs.charging_report as { accounts: AccountReport[] }).accounts[0] as AccountReport;

async function provisionPrepaid(serviceId: string) {
  const result = await execute(leased("provision", serviceId, "mobile_prepaid", { product: productCharging(prepaid) }));
  expect(result.status, JSON.stringify(result.error)).toBe("succeeded");
  return result;
}

async function usage(identifier: string, unit: "voice" | "data" | "sms", amount: number) {
  const res = await fetch(`${sim.url}/_sim/usage`, { method: "POST", body: JSON.stringify({ identifier, unit, amount }) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { cost: number };
}

beforeAll(async () => {
  requireAnsible();
  sim = await startCgratesSimulator(0, { defaultTenant: TENANT });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
});

describe("each job runs what it names (checked in the CGRateS simulator)", () => {
  it("a monetary top-up of 10.00 EUR reaches CGRateS as *monetary 10 under the top-up key, once", async () => {
    await provisionPrepaid("svc_money");
    const from = (await state()).calls.length;
    const credit = chargingBalance("topup:key-1", { unit: "monetary", amount: 1000, validity_days: null }, "EUR");
    const message = leased("topup", "svc_money", null, { credits: [credit] });
    const result = await execute(message);
    expect(result.status).toBe("succeeded");
    const calls = await callsSince(from);
    expect(calls.filter(([m]) => m === "APIerSv1.AddBalance")).toEqual([
      [
        "APIerSv1.AddBalance",
        { Tenant: TENANT, Account: "svc_money", BalanceType: "*monetary", Value: 10, Balance: { ID: "topup:key-1", ExpiryTime: "*unlimited" } },
      ],
    ]);
    const money = (await state()).accounts[account("svc_money")]?.BalanceMap?.["*monetary"];
    expect(money?.map((b) => [b.ID, b.Value])).toEqual([["topup:key-1", 10]]);
    // The read-back the worker adopts: the balance as CGRateS holds it.
    expect(report(result).balances.find((b) => b.id === "topup:key-1")).toMatchObject({ type: "*monetary", value: 10 });
    // The same job again (a crash after the call): nothing more is added.
    expect((await execute(message)).status).toBe("succeeded");
    expect((await state()).calls.filter((c) => c.method === "APIerSv1.AddBalance" && JSON.stringify(c.params).includes("topup:key-1"))).toHaveLength(1);
  });

  it("attaching the 5 GB pack runs Action_data-pack-5gb (copied per job with the job's balance id), not the service's playbook", async () => {
    await provisionPrepaid("svc_pack");
    const from = (await state()).calls.length;
    const credits: ChargingBalance[] = [chargingBalance("topup:addon:k1", { unit: "data", amount: 5 * GB, validity_days: 30 }, "EUR")];
    const message = leased("topup", "svc_pack", "addon_topup", { addon: productCharging(pack), actions_id: "Action_data-pack-5gb", credits });
    const result = await execute(message);
    expect(result.status, JSON.stringify(result.error)).toBe("succeeded");
    const calls = await callsSince(from);
    const methods = calls.map(([m]) => m);
    expect(methods).not.toContain("APIerSv2.SetAccount");
    expect(calls.find(([m, p]) => m === "APIerSv1.SetActions" && p.ActionsId === "Action_data-pack-5gb")?.[1]).toEqual({
      ActionsId: "Action_data-pack-5gb",
      Overwrite: true,
      Actions: [{ Identifier: "*topup", BalanceType: "*data", Units: 5 * GB, ExpiryTime: "+720h", Weight: 20 }],
    });
    const copy = calls.find(([m, p]) => m === "APIerSv1.SetActions" && p.ActionsId === `Action_data-pack-5gb_${message.id}`)?.[1];
    expect(copy?.Actions).toEqual([
      { Identifier: "*topup", Weight: 20, BalanceType: "*data", Units: 5 * GB, BalanceId: "topup:addon:k1", ExpiryTime: "+720h" },
    ]);
    expect(calls.filter(([m]) => m === "APIerSv1.ExecuteAction").map(([, p]) => p)).toEqual([
      { Tenant: TENANT, Account: "svc_pack", ActionsId: `Action_data-pack-5gb_${message.id}` },
    ]);
    expect(calls.filter(([m]) => m === "APIerSv1.RemoveActions").map(([, p]) => p)).toEqual([{ ActionIDs: [`Action_data-pack-5gb_${message.id}`] }]);
    const data = (await state()).accounts[account("svc_pack")]?.BalanceMap?.["*data"];
    expect(data?.map((b) => [b.ID, b.Value]).sort()).toEqual([
      ["inc-mobile-prepaid-10gb-0", 10 * GB],
      ["topup:addon:k1", 5 * GB],
    ]);
    expect(result.outputs.balances).toEqual([{ id: "topup:addon:k1", type: "*data", value: 5 * GB }]);
    // Run again (a crash after ExecuteAction): the 5 GB are not added twice.
    expect((await execute(message)).status).toBe("succeeded");
    expect((await state()).accounts[account("svc_pack")]?.BalanceMap?.["*data"]?.reduce((s, b) => s + b.Value, 0)).toBe(15 * GB);
  });

  it("a plan change prepaid → postpaid replaces the plan (overwrite), the triggers and the included balances, keeps money and packs, and reads the account back", async () => {
    await provisionPrepaid("svc_plan");
    await execute(
      leased("topup", "svc_plan", null, { credits: [chargingBalance("topup:m1", { unit: "monetary", amount: 1000, validity_days: null }, "EUR")] }),
    );
    await execute(
      leased("topup", "svc_plan", "addon_topup", {
        addon: productCharging(pack),
        actions_id: "Action_data-pack-5gb",
        credits: [chargingBalance("topup:p1", { unit: "data", amount: 5 * GB, validity_days: 30 }, "EUR")],
      }),
    );
    const from = (await state()).calls.length;
    const grants = [chargingBalance(includedBalanceId(postpaid.slug, 0), { unit: "data", amount: 40 * GB, validity_days: 30 }, "EUR")];
    const remove = prepaid.included_balances.map((_, i) => includedBalanceId(prepaid.slug, i));
    const result = await execute(leased("modify", "svc_plan", "change_plan", { product: productCharging(postpaid), remove_balances: remove, grants }));
    expect(result.status, JSON.stringify(result.error)).toBe("succeeded");
    const calls = await callsSince(from);
    expect(calls.find(([m]) => m === "APIerSv2.SetAccount")?.[1]).toEqual({
      Tenant: TENANT,
      Account: "svc_plan",
      ActionPlanIDs: ["AP_mobile-postpaid-unlimited_v1"],
      ActionPlansOverwrite: true,
      ActionTriggerIDs: [],
      ActionTriggerOverwrite: true,
      ExtraOptions: { AllowNegative: true },
      ReloadScheduler: true,
    });
    const after = await state();
    expect(after.accountActionPlans[account("svc_plan")]).toEqual(["AP_mobile-postpaid-unlimited_v1"]);
    const acc = after.accounts[account("svc_plan")];
    expect(acc?.AllowNegative).toBe(true);
    expect(acc?.ActionTriggers ?? []).toEqual([]);
    const ids = Object.values(acc?.BalanceMap ?? {})
      .flat()
      .map((b) => [b.ID, b.Value])
      .sort();
    expect(ids).toEqual([
      ["inc-mobile-postpaid-unlimited-0", 40 * GB],
      ["topup:m1", 10],
      ["topup:p1", 5 * GB],
    ]);
    // The playbook read the account back (balances and plans) after its last change, before calling it done.
    const methods = calls.map(([m]) => m);
    const lastWrite = Math.max(
      methods.lastIndexOf("APIerSv1.AddBalance"),
      methods.lastIndexOf("APIerSv1.ExecuteAction"),
      methods.lastIndexOf("APIerSv2.SetAccount"),
    );
    expect(methods.lastIndexOf("APIerSv1.GetAccountActionPlan")).toBeGreaterThan(lastWrite);
    expect(result.outputs.plan).toMatchObject({ action_plans: ["AP_mobile-postpaid-unlimited_v1"] });
  });

  it("suspend and resume flip Disabled on the existing account only; deprovision removes the account and its identifiers", async () => {
    await provisionPrepaid("svc_life");
    let from = (await state()).calls.length;
    expect((await execute(leased("suspend", "svc_life", "suspend", { disabled: true }))).status).toBe("succeeded");
    expect((await callsSince(from)).filter(([m]) => m === "APIerSv2.SetAccount").map(([, p]) => p.ExtraOptions)).toEqual([{ Disabled: true }]);
    expect((await state()).accounts[account("svc_life")]?.Disabled).toBe(true);
    const blocked = await fetch(`${sim.url}/_sim/usage`, { method: "POST", body: JSON.stringify({ identifier: "+33612345678", unit: "voice", amount: 60 }) });
    expect(blocked.status).toBe(403);
    expect((await execute(leased("resume", "svc_life", "resume", { disabled: false }))).status).toBe("succeeded");
    expect((await state()).accounts[account("svc_life")]?.Disabled).toBe(false);
    // Suspending an account that does not exist fails, and creates nothing.
    const missing = await execute(leased("suspend", "svc_nowhere", "suspend", { disabled: true }));
    expect(missing.status).toBe("failed");
    expect(missing.error?.message).toContain("svc_nowhere does not exist");
    expect((await state()).accounts[account("svc_nowhere")]).toBeUndefined();
    from = (await state()).calls.length;
    expect((await execute(leased("deprovision", "svc_life", "deprovision", { report: [] }))).status).toBe("succeeded");
    const removed = await callsSince(from);
    expect(removed.filter(([m]) => m === "APIerSv1.RemoveAccount").map(([, p]) => p.Account)).toEqual(["svc_life"]);
    expect(removed.filter(([m]) => m === "APIerSv1.RemoveAttributeProfile").map(([, p]) => p.ID)).toEqual([
      "ATTR_svc_life_msisdn",
      "ATTR_svc_life_imsi",
      "ATTR_svc_life_username",
      "ATTR_svc_life_ip",
    ]);
    const after = await state();
    expect(after.accounts[account("svc_life")]).toBeUndefined();
    expect(Object.keys(after.attributeProfiles).filter((k) => k.includes("svc_life"))).toEqual([]);
  });

  it("a catalogue job loads a product's action sets, renewal plan and triggers, idempotently", async () => {
    const message = leased("catalog", "", "catalog_product", { account: null, report: [], product: productCharging(prepaid) });
    message.body.service_id = null;
    expect((await execute(message)).status).toBe("succeeded");
    expect((await execute(message)).status).toBe("succeeded");
    const after = await state();
    expect(Object.keys(after.actions).sort()).toEqual(["ACT_AP_mobile-prepaid-10gb_v1_RENEW", "ACT_OPENBSS_LOW_BALANCE"]);
    const plans = after.calls.filter((c) => c.method === "APIerSv1.SetActionPlan");
    expect(plans).toHaveLength(1); // the second run found the plan and left it (and its accounts) alone
  });

  it("rating through the MSISDN debits the service's account and the read-back reports it per balance", async () => {
    await provisionPrepaid("svc_rated");
    await usage("+33612345678", "voice", 120);
    await usage("234150000000017", "data", 300 * 2 ** 20);
    const sync = await execute(leased("sync_balance", "svc_rated", null, {}));
    expect(sync.status).toBe("succeeded");
    const r = report(sync);
    expect(r.rated.map((d) => [d.balance_id, d.type, d.units]).sort()).toEqual([
      ["inc-mobile-prepaid-10gb-0", "*data", 300 * 2 ** 20],
      ["inc-mobile-prepaid-10gb-1", "*voice", 120e9],
    ]);
    expect(r.balances.find((b) => b.id === "inc-mobile-prepaid-10gb-1")?.value).toBe((300 * 60 - 120) * 1e9);
    expect(sync.outputs.usage).toEqual(
      expect.arrayContaining([expect.objectContaining({ unit: "voice", amount: 120 }), expect.objectContaining({ unit: "data", amount: 300 * 2 ** 20 })]),
    );
  });
});

describe("retries are safe: the runner killed after each CGRateS call in turn, then the job run again", () => {
  const jobs: { name: string; account: string; setup: () => Promise<void>; message: () => LeasedMessage }[] = [
    {
      name: "provisioning (mobile_prepaid)",
      account: "svc_crash_p",
      setup: async () => undefined,
      message: () => leased("provision", "svc_crash_p", "mobile_prepaid", { product: productCharging(prepaid) }),
    },
    {
      name: "an add-on (addon_topup)",
      account: "svc_crash_a",
      setup: () => seedPrepaidAccount("svc_crash_a"),
      message: () =>
        leased("topup", "svc_crash_a", "addon_topup", {
          addon: productCharging(pack),
          actions_id: "Action_data-pack-5gb",
          credits: [chargingBalance("topup:addon:crash", { unit: "data", amount: 5 * GB, validity_days: 30 }, "EUR")],
        }),
    },
    {
      name: "a plan change (change_plan)",
      account: "svc_crash_c",
      setup: () => seedPrepaidAccount("svc_crash_c"),
      message: () =>
        leased("modify", "svc_crash_c", "change_plan", {
          product: productCharging(postpaid),
          remove_balances: prepaid.included_balances.map((_, i) => includedBalanceId(prepaid.slug, i)),
          grants: [chargingBalance(includedBalanceId(postpaid.slug, 0), { unit: "data", amount: 40 * GB, validity_days: 30 }, "EUR")],
        }),
    },
  ];

  for (const job of jobs) {
    it(`${job.name} ends exactly right whichever call it died after`, async () => {
      // A clean run: the account it should end with, and how many calls its playbook makes.
      await job.setup();
      const before = (await state()).calls.length;
      const clean = await execute(job.message());
      expect(clean.status, JSON.stringify(clean.error)).toBe("succeeded");
      const expected = await accountShape(job.account);
      // The runner's read-back (GetAccount and two GetCDRs) follows the playbook's own calls.
      const playbookCalls = (await state()).calls.length - before - 3;
      expect(playbookCalls).toBeGreaterThan(2);
      for (let i = 0; i < playbookCalls; i++) {
        await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
        await job.setup();
        const base = (await state()).calls.length;
        // Calls 1..i go through; call i+1 hangs (unapplied) while the runner is killed.
        await fetch(`${sim.url}/_sim/fail`, { method: "POST", body: JSON.stringify({ method: "*", after: i, delayMs: 8_000, error: "SERVER_ERROR" }) });
        const abort = new AbortController();
        const message = job.message();
        const dying = execute(message, abort.signal);
        for (let t = 0; (await state()).calls.length <= base + i && t < 200; t++) await new Promise((r) => setTimeout(r, 25));
        expect((await state()).calls.length, `call ${i + 1} never came`).toBe(base + i + 1);
        abort.abort();
        const died = await dying;
        expect(died.status, `killed after call ${i}`).toBe("failed");
        // The same job again, as the runner does once the lease has run out.
        const again = await execute({ ...message, attempts: 2 });
        expect(again.status, `retry after a crash after call ${i}: ${JSON.stringify(again.error)}`).toBe("succeeded");
        expect(await accountShape(job.account), `after a crash after call ${i}`).toEqual(expected);
      }
    }, 240_000);
  }
});
