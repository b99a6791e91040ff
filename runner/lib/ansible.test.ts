import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type SimAccount, type SimCall, startCgratesSimulator } from "../../simulators/cgrates/server";
import type { RunningSimulator } from "../../simulators/lib/server";
import { productCharging } from "../../worker/domain/charging/definition";
import { type AnsibleEvent, parseEventLine, type RunPlaybookOptions, runPlaybook } from "./ansible";
import { requireAnsible } from "./test-helpers";

const PLAYBOOKS = resolve(import.meta.dirname, "../../playbooks");
const TENANT = "cgrates.org";
const AUTH = { user: "runner", password: "sim-secret" };

let sim: RunningSimulator;
let scratch: string;

type SimState = {
  accounts: Record<string, SimAccount & { ActionTriggers: { ID: string; UniqueID: string; ThresholdType: string; ThresholdValue: number }[] | null }>;
  accountActionPlans: Record<string, string[]>;
  actionPlans: Record<string, { ActionPlan: { ActionsId: string; Time: string }[] }>;
  actions: Record<string, { Identifier: string; BalanceId: string; Units: number }[]>;
  attributeProfiles: Record<string, { FilterIDs: string[] }>;
  calls: SimCall[];
};
const simState = async (): Promise<SimState> => (await (await fetch(`${sim.url}/_sim/state`)).json()) as SimState;
const GB = 2 ** 30;
const product = (overrides: Record<string, unknown> = {}) => ({
  id: "prd_mobile",
  slug: "mobile-prepaid-10gb",
  name: "Mobile Prepaid 10 GB",
  type: "standalone" as const,
  version: 1,
  currency: "EUR",
  recurring_period: "monthly" as const,
  allow_negative: false,
  low_balance_thresholds: { data: GB },
  service_type: "mobile",
  provisioning_json_vars: { vlan: 100 },
  cgrates: { account_options: { allow_negative: false, disabled: false }, action_plan: null, actions: null },
  included_balances: [
    { unit: "data" as const, amount: 10 * GB, validity_days: 30 },
    { unit: "voice" as const, amount: 300 * 60, validity_days: 30 },
    { unit: "sms" as const, amount: 100, validity_days: null },
  ],
  ...overrides,
});

/** The variables the runner hands a playbook (see playbooks/README.md), with the worker's ready charging values. */
const jobVars = (serviceId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => {
  const p = (overrides.product as ReturnType<typeof product> | undefined) ?? product();
  return {
    job: { id: `job_${serviceId}`, type: "provision", attempt: 1 },
    service: { id: serviceId, customer_id: "cus_1", product_id: "prd_mobile", status: "provisioning", identifiers: {}, vars: {} },
    customer: { id: "cus_1", name: "Ada Lovelace", type: "individual" },
    site: null,
    contact: null,
    product: p,
    inventory: [
      { id: "itm_sim", type: "sim", fields: { iccid: "8944100000000000017", imsi: "234150000000017" } },
      { id: "itm_num", type: "phone_number", fields: { msisdn: "+447700900017" } },
    ],
    ip_allocations: [],
    components: [],
    charging: { account: serviceId, currency: "EUR", report: [], product: productCharging(p) },
    cgrates: { url: `${sim.url}/jsonrpc`, tenant: TENANT, ...AUTH },
    ...overrides,
  };
};

const run = (playbook: string, vars: Record<string, unknown>, extra: Partial<RunPlaybookOptions> = {}) => {
  const seen: AnsibleEvent[] = [];
  return runPlaybook({ playbook, vars, playbooksDir: PLAYBOOKS, timeoutMs: 90_000, onEvent: (e) => seen.push(e), ...extra }).then((result) => ({
    ...result,
    seen,
  }));
};

beforeAll(async () => {
  sim = await startCgratesSimulator(0, { basicAuth: AUTH, defaultTenant: TENANT });
  scratch = await mkdtemp(join(tmpdir(), "ansible-test-"));
});
afterAll(async () => {
  await sim.close();
  await rm(scratch, { recursive: true, force: true });
});
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
});

describe("runPlaybook — refusals and process handling (no Ansible needed)", () => {
  it("refuses a playbook name that is not a plain name, or a playbook that does not exist", async () => {
    for (const bad of ["../etc/passwd", "Mobile", "mobile_prepaid.yml", "-v", "", "a/b", "mobile prepaid"]) {
      await expect(run(bad, {})).rejects.toThrow(/invalid playbook name/);
    }
    await expect(run("no_such_play", {})).rejects.toThrow(/playbook not found: no_such_play/);
  });

  it("writes the vars to a private 0600 file, passes it with --extra-vars @file and removes it afterwards", async () => {
    const fake = join(scratch, "fake-vars.sh");
    // Prints the vars file's path, mode and content as log lines, then one event.
    await writeFile(
      fake,
      [
        "#!/bin/sh",
        'for a in "$@"; do case "$a" in @*) f=$(printf %s "$a" | cut -c2-);; esac; done',
        'echo "file=$f"; echo "mode=$(stat -c %a "$f")"; echo "dirmode=$(stat -c %a "$(dirname "$f")")"; cat "$f"; echo',
        'echo "args=$*"',
        'echo \'{"type":"outputs","outputs":{"fake":true}}\'',
      ].join("\n"),
    );
    await chmod(fake, 0o755);
    const result = await run("fail_test", { secret: "s3cret" }, { env: { ANSIBLE_PLAYBOOK: fake }, check: true });
    expect(result.ok).toBe(true);
    expect(result.outputs).toEqual({ fake: true });
    const file = /file=(\S+)/.exec(result.log)?.[1] ?? "";
    expect(file).toMatch(/openbss-ansible-.+\/vars\.json$/);
    expect(result.log).toContain("mode=600");
    expect(result.log).toContain("dirmode=700");
    expect(result.log).toContain('{"secret":"s3cret"}');
    expect(result.log).toMatch(/args=\S+\/fail_test\.yml -i localhost, --extra-vars @\S+ --check/);
    expect(existsSync(file)).toBe(false);
  });

  it("kills the whole process group on timeout and says so", async () => {
    const fake = join(scratch, "fake-sleep.sh");
    const pidFile = join(scratch, "sleep.pid");
    await writeFile(fake, ["#!/bin/sh", 'echo \'{"type":"task","task":"Wait","status":"started"}\'', `sleep 60 & echo $! > ${pidFile}`, "wait"].join("\n"));
    await chmod(fake, 0o755);
    const started = Date.now();
    const result = await run("fail_test", {}, { env: { ANSIBLE_PLAYBOOK: fake }, timeoutMs: 1_500 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.ok).toBe(false);
    expect(result.error).toBe("timeout after 1500 ms");
    expect(result.seen).toEqual([{ type: "task", task: "Wait", status: "started" }]);
    const grandchild = Number((await readFile(pidFile, "utf8")).trim());
    // gone, or a zombie waiting for init to reap it
    const running = async () => {
      const stat = await readFile(`/proc/${grandchild}/stat`, "utf8").catch(() => "");
      return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    };
    for (let i = 0; i < 30 && (await running()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await running()).toBe(false);
  });

  it("keeps non-JSON stdout as log text and never takes it for an event", () => {
    expect(parseEventLine("PLAY [localhost] ****")).toBeNull();
    expect(parseEventLine("{not json")).toBeNull();
    expect(parseEventLine('{"type":"task","task":1,"status":"ok"}')).toBeNull();
    expect(parseEventLine('{"type":"bogus"}')).toBeNull();
    expect(parseEventLine('{"type":"task","task":"x","status":"changed","duration_ms":12,"message":"m"}')).toEqual({
      type: "task",
      task: "x",
      status: "changed",
      duration_ms: 12,
      message: "m",
    });
  });
});

describe("playbooks against the CGRateS simulator", () => {
  beforeAll(requireAnsible);
  it("mobile_prepaid loads the product, creates the account with its plan, triggers, included balances and identifiers; a repeat adds nothing", async () => {
    const vars = jobVars("svc_prepaid");
    const first = await run("mobile_prepaid", vars);
    expect(first.error, first.log).toBeNull();
    expect(first.ok).toBe(true);
    expect(first.exitCode).toBe(0);
    expect(first.failedTask).toBeNull();
    expect(first.outputs).toEqual({ identifiers: { msisdn: "+447700900017", iccid: "8944100000000000017", imsi: "234150000000017" } });
    expect(first.seen).toEqual(first.events);
    expect(first.events).toContainEqual({ type: "task", task: "Check the SIM and the phone number", status: "started" });
    expect(first.events).toContainEqual(expect.objectContaining({ type: "task", task: "Set up the CGRateS account", status: "changed" }));
    expect(first.events.at(-2)).toMatchObject({ type: "stats", failed: 0, rescued: 0 });
    expect(first.events.at(-1)).toEqual({ type: "outputs", outputs: first.outputs });
    for (const e of first.events) if (e.type === "task" && e.status !== "started") expect(e.duration_ms).toBeGreaterThanOrEqual(0);

    const after = await simState();
    const account = after.accounts[`${TENANT}:svc_prepaid`];
    expect(account?.AllowNegative).toBe(false);
    const balances = account?.BalanceMap ?? {};
    expect(balances["*data"]?.map((b) => [b.ID, b.Value])).toEqual([["inc-mobile-prepaid-10gb-0", 10 * GB]]);
    expect(balances["*voice"]?.map((b) => [b.ID, b.Value])).toEqual([["inc-mobile-prepaid-10gb-1", 300 * 60 * 1e9]]);
    expect(balances["*sms"]?.map((b) => [b.ID, b.Value, b.ExpirationDate])).toEqual([["inc-mobile-prepaid-10gb-2", 100, "0001-01-01T00:00:00Z"]]);
    const expiry = Date.parse(balances["*data"]?.[0]?.ExpirationDate ?? "");
    expect(Math.abs(expiry - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);
    // The renewal plan and its action set were defined by the BSS, not assumed.
    expect(after.accountActionPlans[`${TENANT}:svc_prepaid`]).toEqual(["AP_mobile-prepaid-10gb_v1"]);
    expect(after.actionPlans["AP_mobile-prepaid-10gb_v1"]?.ActionPlan.map((t) => [t.ActionsId, t.Time])).toEqual([
      ["ACT_AP_mobile-prepaid-10gb_v1_RENEW", "*monthly"],
    ]);
    expect(after.actions["ACT_AP_mobile-prepaid-10gb_v1_RENEW"]?.map((a) => [a.Identifier, a.BalanceId, a.Units])).toEqual([
      ["*topup_reset", "inc-mobile-prepaid-10gb-0", 10 * GB],
      ["*topup_reset", "inc-mobile-prepaid-10gb-1", 300 * 60 * 1e9],
      ["*topup_reset", "inc-mobile-prepaid-10gb-2", 100],
      ["*cdrlog", "", 0],
    ]);
    // The low-balance threshold lives in CGRateS as an action trigger on the account.
    expect(account?.ActionTriggers?.map((t) => [t.ID, t.UniqueID, t.ThresholdType, t.ThresholdValue])).toEqual([
      ["TRG_mobile-prepaid-10gb_v1", "low-data", "*min_balance", GB],
    ]);
    // Traffic arriving with the MSISDN or the IMSI is rated on the account.
    expect(after.attributeProfiles[`${TENANT}:ATTR_svc_prepaid_msisdn`]?.FilterIDs).toEqual(["*string:~*req.Account:+447700900017"]);
    expect(after.attributeProfiles[`${TENANT}:ATTR_svc_prepaid_imsi`]?.FilterIDs).toEqual(["*string:~*req.Account:234150000000017"]);

    const second = await run("mobile_prepaid", vars);
    expect(second.ok).toBe(true);
    expect(second.outputs).toEqual(first.outputs);
    const again = await simState();
    expect(again.accounts[`${TENANT}:svc_prepaid`]?.BalanceMap).toEqual(account?.BalanceMap);
    expect(again.calls.filter((c) => c.method === "APIerSv1.AddBalance")).toHaveLength(3);
    expect(again.calls.filter((c) => c.method === "APIerSv2.SetAccount")).toHaveLength(1);
  });

  it("charging_account creates the account with its plan and included balances and needs no inventory; a repeat adds nothing", async () => {
    const vars = { ...jobVars("svc_wallet"), inventory: [] };
    const first = await run("charging_account", vars);
    expect(first.error, first.log).toBeNull();
    expect(first.outputs).toEqual({ identifiers: { account: "svc_wallet" } });
    const after = await simState();
    const balances = after.accounts[`${TENANT}:svc_wallet`]?.BalanceMap ?? {};
    expect(balances["*data"]?.map((b) => [b.ID, b.Value])).toEqual([["inc-mobile-prepaid-10gb-0", 10 * GB]]);
    expect(after.accountActionPlans[`${TENANT}:svc_wallet`]).toEqual(["AP_mobile-prepaid-10gb_v1"]);
    expect(Object.keys(after.attributeProfiles).filter((k) => k.includes("svc_wallet"))).toEqual([]);
    const second = await run("charging_account", vars);
    expect(second.ok).toBe(true);
    expect((await simState()).accounts[`${TENANT}:svc_wallet`]?.BalanceMap).toEqual(after.accounts[`${TENANT}:svc_wallet`]?.BalanceMap);
  });

  it("fail_test: the rescue removes the account it made, the run fails and names the failing task", async () => {
    const result = await run("fail_test", jobVars("svc_doomed"));
    expect(result.ok).toBe(false);
    expect(result.exitCode).not.toBe(0);
    expect(result.failedTask).toBe("Deliberate failure");
    expect(result.error).toContain("fail_test failed at Deliberate failure: failing on purpose");
    expect(result.outputs).toEqual({});
    expect(result.events).toContainEqual({ type: "rescue", task: "Deliberate failure", rescue_task: "Roll back the CGRateS account" });
    expect(result.events).toContainEqual(expect.objectContaining({ type: "stats", rescued: 1, failed: 1 }));
    const state = await simState();
    const methods = state.calls.map((c) => c.method);
    expect(methods).toContain("APIerSv2.SetAccount");
    expect(methods).toContain("APIerSv1.AddBalance");
    expect(methods).toContain("APIerSv1.RemoveAccount");
    expect(methods.slice(methods.indexOf("APIerSv1.RemoveAccount") + 1)).toEqual(Array(4).fill("APIerSv1.RemoveAttributeProfile"));
    expect(state.accounts[`${TENANT}:svc_doomed`]).toBeUndefined();
  });

  it("fixed_internet renders the CPE configuration with the VLAN and the IP, and returns credentials", async () => {
    const result = await run(
      "fixed_internet",
      jobVars("svc_fibre", {
        product: product({ slug: "fibre-1g", service_type: "fixed_internet", provisioning_json_vars: { vlan: 100 }, included_balances: [] }),
        inventory: [
          { id: "itm_ont", type: "ont", fields: { serial: "ONT-000001", mac: "00:a0:bc:00:00:01", model: "GPON ONT G-010" } },
          { id: "itm_cpe", type: "cpe", fields: { serial: "CPE-000001", mac: "00:50:c2:00:00:01", model: "Demo Box 3" } },
        ],
        ip_allocations: [{ id: "ipa_1", block_id: "itm_block", cidr: "203.0.113.10/32" }],
      }),
      { env: { OPENBSS_CREDENTIAL_SEED: "test-seed" } },
    );
    expect(result.error).toBeNull();
    expect(result.ok).toBe(true);
    const outputs = result.outputs as {
      identifiers: { username: string; ip: string };
      config: { item_id: string; content: string };
      credentials: { username: string; password: string };
    };
    expect(outputs.identifiers).toEqual({ username: "svc_fibre", ip: "203.0.113.10" });
    expect(outputs.config.item_id).toBe("itm_cpe");
    expect(outputs.config.content).toContain("vlan = 100");
    expect(outputs.config.content).toContain("address = 203.0.113.10/32");
    expect(outputs.config.content).toContain("serial = CPE-000001");
    expect(outputs.config.content).toContain("hostname = cpe-svc-fibre");
    expect(outputs.credentials.username).toBe("svc_fibre");
    expect(outputs.credentials.password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(outputs.config.content).toContain(`pppoe_password = ${outputs.credentials.password}`);
    // the password never shows in the task events (no_log)
    for (const e of result.events) if (e.type === "task") expect(JSON.stringify(e)).not.toContain(outputs.credentials.password);
    expect((await simState()).accounts[`${TENANT}:svc_fibre`]).toBeDefined();
  });

  it("--check reads but never writes: no SetAccount or AddBalance reaches CGRateS", async () => {
    const result = await run("mobile_prepaid", jobVars("svc_dry"), { check: true });
    expect(result.error).toBeNull();
    expect(result.ok).toBe(true);
    const methods = (await simState()).calls.map((c) => c.method);
    expect(methods.length).toBeGreaterThan(0);
    expect(new Set(methods)).toEqual(new Set(["APIerSv2.GetAccount"]));
    expect(result.events).toContainEqual(expect.objectContaining({ type: "task", task: "Set up the CGRateS account", status: "ok" }));
  });
});
