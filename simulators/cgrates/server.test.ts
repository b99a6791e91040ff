import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../lib/server";
import { addExact, formatFloat, goDuration } from "./rating";
import {
  parseExpiryTime,
  type SimAccount,
  type SimActionTrigger,
  type SimAttributeProfile,
  type SimCall,
  type SimFiredTrigger,
  type SimTask,
  startCgratesSimulator,
} from "./server";

let sim: RunningSimulator;
let authed: RunningSimulator;
beforeAll(async () => {
  sim = await startCgratesSimulator(0);
  authed = await startCgratesSimulator(0, { basicAuth: { user: "cgr", password: "pw" } });
});
afterAll(async () => {
  await sim.close();
  await authed.close();
});
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
});

type Reply = { id: number | null; result: unknown; error: string | null };
let id = 0;
const rpc = async (method: string, params: unknown, base = sim.url, init: RequestInit = {}): Promise<Reply> => {
  const res = await fetch(`${base}/jsonrpc`, { method: "POST", body: JSON.stringify({ method, params: [params], id: ++id }), ...init });
  expect(res.status).toBe(200);
  return (await res.json()) as Reply;
};
const ok = async (method: string, params: unknown) => expect(await rpc(method, params)).toEqual({ id, result: "OK", error: null });
const account = async (acc: string, tenant = "op.example") => (await rpc("APIerSv2.GetAccount", { Tenant: tenant, Account: acc })).result as SimAccount;
type State = {
  accounts: Record<string, SimAccount>;
  accountActionPlans: Record<string, string[]>;
  actions: Record<string, unknown[]>;
  actionPlans: Record<string, { AccountIDs: string[] }>;
  actionTriggers: Record<string, SimActionTrigger[]>;
  attributeProfiles: Record<string, SimAttributeProfile>;
  tasks: SimTask[];
  scheduler: { running: boolean };
  firedTriggers: SimFiredTrigger[];
  currency: string;
  rates: { voicePerMinute: number; dataPerMegabyte: number; smsEach: number };
  cdrs: Record<string, unknown>[];
  calls: SimCall[];
};
const state = async (base = sim.url) => (await (await fetch(`${base}/_sim/state`)).json()) as State;

describe("CGRateS simulator — JSON-RPC envelope", () => {
  it("answers unknown methods, services and ill-formed names like Go net/rpc", async () => {
    expect(await rpc("APIerSv2.NoSuchThing", {})).toEqual({ id, result: null, error: "rpc: can't find method APIerSv2.NoSuchThing" });
    expect((await rpc("FooSv1.Bar", {})).error).toBe("rpc: can't find service FooSv1.Bar");
    expect((await rpc("nodot", {})).error).toBe("rpc: service/method request ill-formed: nodot");
  });

  it("answers an undecodable body with an empty 200 and a body without params with the jsonrpc error", async () => {
    const bad = await fetch(`${sim.url}/jsonrpc`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(200);
    expect(await bad.text()).toBe("");
    const noParams = await fetch(`${sim.url}/jsonrpc`, { method: "POST", body: JSON.stringify({ method: "APIerSv2.GetAccount", id: 7 }) });
    expect(await noParams.json()).toEqual({ id: 7, result: null, error: "jsonrpc: request body missing params" });
  });

  it("reports a JSON type mismatch the way encoding/json does and refuses a field name in the wrong case", async () => {
    expect((await rpc("APIerSv1.AddBalance", { Account: "a", BalanceType: "*monetary", Value: "10" })).error).toBe(
      "json: cannot unmarshal string into Go struct field AttrAddBalance.Value of type float64",
    );
    expect((await rpc("APIerSv1.AddBalance", { tenant: "op.example", Account: "ci", BalanceType: "*monetary", Value: 3 })).error).toBe(
      'SIMULATOR_STRICT: unknown field "tenant" in v1.AttrAddBalance (real CGRateS ignores it silently); did you mean "Tenant"?',
    );
    expect((await state()).accounts).toEqual({});
  });
});

describe("CGRateS simulator — accounts", () => {
  it("creates and updates accounts with SetAccount and returns the engine.Account shape", async () => {
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "svc_1", ExtraOptions: { AllowNegative: true } });
    const acc = await account("svc_1");
    expect(acc).toMatchObject({ ID: "op.example:svc_1", BalanceMap: null, UnitCounters: null, ActionTriggers: null, AllowNegative: true, Disabled: false });
    expect(Number.isNaN(Date.parse(acc.UpdateTime))).toBe(false);
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "svc_1", ExtraOptions: { Disabled: true } });
    expect(await account("svc_1")).toMatchObject({ AllowNegative: true, Disabled: true });
  });

  it("uses the default tenant when Tenant is empty", async () => {
    await ok("APIerSv2.SetAccount", { Account: "svc_d" });
    expect((await rpc("APIerSv2.GetAccount", { Account: "svc_d" })).result).toMatchObject({ ID: "cgrates.org:svc_d" });
  });

  it("refuses what CGRateS refuses", async () => {
    expect((await rpc("APIerSv2.SetAccount", { Tenant: "op.example" })).error).toBe("MANDATORY_IE_MISSING: [Account]");
    expect((await rpc("APIerSv1.RemoveAccount", {})).error).toBe("MANDATORY_IE_MISSING: [Account]");
    expect((await rpc("APIerSv2.GetAccount", { Tenant: "op.example", Account: "nobody" })).error).toBe("NOT_FOUND");
    expect((await rpc("APIerSv2.SetAccount", { Account: "x", ActionPlanIDs: ["AP_NONE"] })).error).toBe("SERVER_ERROR: NOT_FOUND");
  });

  it("removes accounts (a missing one answers OK, as with the redis data_db)", async () => {
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "svc_r" });
    await ok("APIerSv1.RemoveAccount", { Tenant: "op.example", Account: "svc_r" });
    expect((await rpc("APIerSv2.GetAccount", { Tenant: "op.example", Account: "svc_r" })).error).toBe("NOT_FOUND");
    await ok("APIerSv1.RemoveAccount", { Tenant: "op.example", Account: "svc_r" });
  });
});

describe("CGRateS simulator — balances", () => {
  it("AddBalance creates the account and the balance, then adds to the balance with the same ID", async () => {
    await ok("APIerSv1.AddBalance", {
      Tenant: "op.example",
      Account: "svc_b",
      BalanceType: "*data",
      Value: 1_000_000,
      Balance: { ID: "job_1", ExpiryTime: "+720h", Weight: 10, DestinationIDs: "DST_A;!DST_B" },
    });
    const [b] = (await account("svc_b")).BalanceMap?.["*data"] ?? [];
    expect(b).toMatchObject({
      ID: "job_1",
      Value: 1_000_000,
      Weight: 10,
      DestinationIDs: { DST_A: true, DST_B: false },
      RatingSubject: "",
      Timings: null,
      Factors: null,
    });
    expect(b?.Uuid).toMatch(/^[0-9a-f-]{36}$/);
    const days = (Date.parse(b?.ExpirationDate ?? "") - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "svc_b", BalanceType: "*data", Value: 500, Balance: { ID: "job_1" } });
    await ok("APIerSv1.AddBalance", {
      Tenant: "op.example",
      Account: "svc_b",
      BalanceType: "*data",
      Value: 7,
      Balance: { ID: "job_2", ExpiryTime: "*unlimited" },
    });
    const list = (await account("svc_b")).BalanceMap?.["*data"] ?? [];
    expect(list.map((x) => [x.ID, x.Value, x.ExpirationDate === "0001-01-01T00:00:00Z"])).toEqual([
      ["job_1", 1_000_500, false],
      ["job_2", 7, true],
    ]);
  });

  it("Overwrite sets the value; DebitBalance subtracts, may go below zero and creates what is missing", async () => {
    await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "svc_m", BalanceType: "*monetary", Value: 10, Balance: { ID: "main" } });
    await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "svc_m", BalanceType: "*monetary", Value: 4, Balance: { ID: "main" }, Overwrite: true });
    await ok("APIerSv1.DebitBalance", { Tenant: "op.example", Account: "svc_m", BalanceType: "*monetary", Value: 1.5, Balance: { ID: "main" } });
    expect((await account("svc_m")).BalanceMap?.["*monetary"]?.[0]?.Value).toBe(2.5);
    await ok("APIerSv1.DebitBalance", { Tenant: "op.example", Account: "svc_m", BalanceType: "*monetary", Value: 5, Balance: { ID: "main" } });
    expect((await account("svc_m")).BalanceMap?.["*monetary"]?.[0]?.Value).toBe(-2.5);
    await ok("APIerSv1.DebitBalance", { Tenant: "op.example", Account: "svc_new", BalanceType: "*voice", Value: 60e9, Balance: { ID: "mins" } });
    expect((await account("svc_new")).BalanceMap?.["*voice"]?.[0]?.Value).toBe(-60e9);
  });

  it("refuses missing fields (a zero Value counts as missing) and bad expiry times", async () => {
    expect((await rpc("APIerSv1.AddBalance", { Tenant: "op.example" })).error).toBe("MANDATORY_IE_MISSING: [Account BalanceType Value]");
    expect((await rpc("APIerSv1.DebitBalance", { Account: "a", BalanceType: "*monetary", Value: 0 })).error).toBe("MANDATORY_IE_MISSING: [Value]");
    expect((await rpc("APIerSv1.AddBalance", { Account: "a", BalanceType: "*data", Value: 1, Balance: { ExpiryTime: "next tuesday" } })).error).toBe(
      "Unsupported time format",
    );
  });

  it("parses the expiry layouts CGRateS accepts", () => {
    const now = new Date("2024-02-10T12:00:00Z");
    expect(parseExpiryTime("*unlimited", now)).toBe("0001-01-01T00:00:00Z");
    expect(parseExpiryTime("*month_end", now)).toBe("2024-02-29T23:59:59.000Z");
    expect(parseExpiryTime("+1h30m", now)).toBe("2024-02-10T13:30:00.000Z");
    expect(parseExpiryTime("2024-03-01T00:00:00+01:00", now)).toBe("2024-02-29T23:00:00.000Z");
  });
});

describe("CGRateS simulator — actions and plans", () => {
  const topup = { Identifier: "*topup_reset", BalanceId: "data_plan", BalanceType: "*data", Units: 1024, ExpiryTime: "*month_end", Weight: 10 };

  it("stores actions and executes them on an account", async () => {
    await ok("APIerSv1.SetActions", {
      ActionsId: "Action_5gb",
      Actions: [topup, { Identifier: "*topup", BalanceType: "*monetary", BalanceId: "bonus", Units: 2, Weight: 5 }],
    });
    await ok("APIerSv1.ExecuteAction", { Tenant: "op.example", Account: "svc_a", ActionsId: "Action_5gb" });
    await ok("APIerSv1.ExecuteAction", { Tenant: "op.example", Account: "svc_a", ActionsId: "Action_5gb" });
    const acc = await account("svc_a");
    expect(acc.BalanceMap?.["*data"]?.map((b) => b.Value)).toEqual([1024]);
    expect(acc.BalanceMap?.["*monetary"]?.map((b) => b.Value)).toEqual([4]);
    expect(Object.keys((await state()).actions)).toEqual(["Action_5gb"]);
  });

  it("refuses bad SetActions / ExecuteAction calls", async () => {
    expect((await rpc("APIerSv1.SetActions", {})).error).toBe("MANDATORY_IE_MISSING: [ActionsId Actions]");
    expect((await rpc("APIerSv1.SetActions", { ActionsId: "A", Actions: [{ ...topup, Weight: 0 }] })).error).toBe(
      "MANDATORY_IE_MISSING:Action:*topup_reset:[Weight]",
    );
    await ok("APIerSv1.SetActions", { ActionsId: "A", Actions: [topup] });
    expect((await rpc("APIerSv1.SetActions", { ActionsId: "A", Actions: [topup] })).error).toBe("EXISTS");
    await ok("APIerSv1.SetActions", { ActionsId: "A", Overwrite: true, Actions: [{ ...topup, Units: 5 }] });
    expect((await rpc("APIerSv1.ExecuteAction", { Account: "x", ActionsId: "NOPE" })).error).toBe("NOT_FOUND");
    await ok("APIerSv1.SetActions", { ActionsId: "ODD", Actions: [{ Identifier: "*no_such_action", Weight: 1 }] });
    expect((await rpc("APIerSv1.ExecuteAction", { Account: "x", ActionsId: "ODD" })).error).toBe("PARTIALLY_EXECUTED");
  });

  it("stores action plans, runs *asap timings on SetAccount and attaches the account to the others", async () => {
    await ok("APIerSv1.SetActions", { ActionsId: "A", Actions: [topup] });
    expect((await rpc("APIerSv1.SetActionPlan", { Id: "AP" })).error).toBe("MANDATORY_IE_MISSING: [ActionPlan]");
    expect((await rpc("APIerSv1.SetActionPlan", { Id: "AP", ActionPlan: [{ ActionsId: "A", Weight: 10 }] })).error).toBe(
      "MANDATORY_IE_MISSING:Action:A:[Time]",
    );
    expect((await rpc("APIerSv1.SetActionPlan", { Id: "AP", ActionPlan: [{ ActionsId: "B", Time: "*asap", Weight: 10 }] })).error).toBe("BROKEN_REFERENCE:B");
    await ok("APIerSv1.SetActionPlan", { Id: "AP", ActionPlan: [{ ActionsId: "A", Time: "*asap", Weight: 10 }] });
    await ok("APIerSv1.SetActionPlan", { Id: "AP_M", ActionPlan: [{ ActionsId: "A", Time: "*monthly", Weight: 10 }] });
    expect((await rpc("APIerSv1.SetActionPlan", { Id: "AP", ActionPlan: [{ ActionsId: "A", Time: "*asap", Weight: 10 }] })).error).toBe("EXISTS");
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "svc_p", ActionPlanIDs: ["AP", "AP_M"] });
    expect((await account("svc_p")).BalanceMap?.["*data"]?.[0]?.Value).toBe(1024);
    expect((await state()).actionPlans.AP_M?.AccountIDs).toEqual(["op.example:svc_p"]);
  });
});

describe("CGRateS simulator — CDRs", () => {
  it("returns seeded CDRs filtered by account and setup time, with Limit and Offset; NOT_FOUND when none", async () => {
    const seed = [1, 2, 3, 4].map((n) => ({
      CGRID: `c${n}`,
      Account: n === 4 ? "svc_other" : "svc_c",
      SetupTime: `2024-05-0${n}T10:00:00Z`,
      Usage: n * 60e9,
      Cost: n,
    }));
    expect((await fetch(`${sim.url}/_sim/cdrs`, { method: "POST", body: JSON.stringify(seed) })).status).toBe(200);
    const all = (await rpc("APIerSv2.GetCDRs", { Accounts: ["svc_c"] })).result as { CGRID: string; RunID: string; Tenant: string }[];
    expect(all.map((c) => c.CGRID)).toEqual(["c1", "c2", "c3"]);
    expect(all[0]).toMatchObject({ RunID: "*default", Tenant: "cgrates.org" });
    const window = await rpc("APIerSv2.GetCDRs", { Accounts: ["svc_c"], SetupTimeStart: "2024-05-02T00:00:00Z", SetupTimeEnd: "2024-05-03T10:00:00Z" });
    expect((window.result as { CGRID: string }[]).map((c) => c.CGRID)).toEqual(["c2"]);
    const page = await rpc("APIerSv2.GetCDRs", { Accounts: ["svc_c"], OrderBy: "SetupTime;desc", Limit: 1, Offset: 1 });
    expect((page.result as { CGRID: string }[]).map((c) => c.CGRID)).toEqual(["c2"]);
    expect((await rpc("APIerSv2.GetCDRs", { Accounts: ["nobody"] })).error).toBe("NOT_FOUND");
  });
});

describe("CGRateS simulator — auth, failure injection and state", () => {
  it("requires basic auth when configured, like CGRateS' HTTP listener", async () => {
    const none = await fetch(`${authed.url}/jsonrpc`, { method: "POST", body: JSON.stringify({ method: "APIerSv2.GetAccount", params: [{}], id: 1 }) });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Basic realm="Restricted"');
    expect(await none.text()).toBe("Not authorized\n");
    const wrong = { headers: { authorization: `Basic ${Buffer.from("cgr:nope").toString("base64")}` } };
    expect((await fetch(`${authed.url}/jsonrpc`, { method: "POST", body: "{}", ...wrong })).status).toBe(401);
    const right = { headers: { authorization: `Basic ${Buffer.from("cgr:pw").toString("base64")}` } };
    expect((await rpc("APIerSv2.GetAccount", { Account: "x" }, authed.url, right)).error).toBe("NOT_FOUND");
  });

  it("fails the next N calls of a method, then recovers; the call log shows every attempt", async () => {
    await fetch(`${sim.url}/_sim/fail`, { method: "POST", body: JSON.stringify({ method: "APIerSv2.SetAccount", times: 2, error: "SERVER_ERROR: boom" }) });
    expect((await rpc("APIerSv2.SetAccount", { Account: "f" })).error).toBe("SERVER_ERROR: boom");
    expect((await rpc("APIerSv2.SetAccount", { Account: "f" })).error).toBe("SERVER_ERROR: boom");
    expect((await rpc("APIerSv2.GetAccount", { Account: "f" })).error).toBe("NOT_FOUND");
    await ok("APIerSv2.SetAccount", { Account: "f" });
    const s = await state();
    expect(s.calls.map((c) => [c.method, c.error])).toEqual([
      ["APIerSv2.SetAccount", "SERVER_ERROR: boom"],
      ["APIerSv2.SetAccount", "SERVER_ERROR: boom"],
      ["APIerSv2.GetAccount", "NOT_FOUND"],
      ["APIerSv2.SetAccount", null],
    ]);
    expect(s.calls[0]?.params).toEqual([{ Account: "f" }]);
  });

  it("can apply a call and still fail it (a lost reply)", async () => {
    await fetch(`${sim.url}/_sim/fail`, { method: "POST", body: JSON.stringify({ method: "APIerSv1.AddBalance", applied: true }) });
    const reply = await rpc("APIerSv1.AddBalance", { Tenant: "op.example", Account: "l", BalanceType: "*monetary", Value: 5, Balance: { ID: "x" } });
    expect(reply.error).toBe("SERVER_ERROR");
    expect((await account("l")).BalanceMap?.["*monetary"]?.[0]?.Value).toBe(5);
  });

  it("answers 503 while down, then recovers", async () => {
    await fetch(`${sim.url}/_sim/down`, { method: "POST", body: JSON.stringify({ seconds: 30 }) });
    const res = await fetch(`${sim.url}/jsonrpc`, { method: "POST", body: JSON.stringify({ method: "APIerSv2.GetAccount", params: [{}], id: 1 }) });
    expect(res.status).toBe(503);
    await fetch(`${sim.url}/_sim/down`, { method: "POST", body: JSON.stringify({ seconds: 0 }) });
    expect((await rpc("APIerSv2.GetAccount", { Account: "x" })).error).toBe("NOT_FOUND");
  });

  it("reset empties the state", async () => {
    await ok("APIerSv2.SetAccount", { Account: "z" });
    await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
    expect(await state()).toMatchObject({ accounts: {}, actions: {}, actionPlans: {}, calls: [] });
  });
});

const post = async (path: string, body: unknown, base = sim.url) => {
  const res = await fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const okAt = async (base: string, method: string, params: unknown) => expect((await rpc(method, params, base)).error).toBeNull();

describe("CGRateS simulator — strictness", () => {
  it("refuses unknown and wrong-case fields of every params object and changes nothing", async () => {
    const cases: [string, unknown, string][] = [
      ["APIerSv2.GetAccount", { Tenant: "op.example", AccountID: "a" }, 'unknown field "AccountID" in utils.AttrGetAccount (real CGRateS ignores it silently)'],
      [
        "APIerSv2.SetAccount",
        { Tenant: "op.example", Account: "a", actionPlanIds: ["X"] },
        'unknown field "actionPlanIds" in v2.AttrSetAccount (real CGRateS ignores it silently); did you mean "ActionPlanIDs"?',
      ],
      ["APIerSv1.SetActions", { ActionsId: "A", Actions: [], Overwrite: true, Extra: 1 }, 'unknown field "Extra" in v1.V1AttrSetActions'],
      [
        "APIerSv1.SetActionPlan",
        { ID: "AP", ActionPlan: [] },
        'unknown field "ID" in v1.AttrSetActionPlan (real CGRateS ignores it silently); did you mean "Id"?',
      ],
      ["APIerSv2.GetCDRs", { Account: ["x"] }, 'unknown field "Account" in utils.RPCCDRsFilter'],
    ];
    for (const [method, params, message] of cases) expect((await rpc(method, params)).error).toContain(`SIMULATOR_STRICT: ${message}`);
    const s = await state();
    expect(s).toMatchObject({ accounts: {}, actions: {}, actionPlans: {} });
  });

  it("refuses unknown and wrong-case keys of nested objects and maps, and changes nothing", async () => {
    const topup = { Identifier: "*topup", BalanceType: "*data", Units: 10, Weight: 10 };
    const bad: [string, unknown, string][] = [
      [
        "APIerSv1.AddBalance",
        { Account: "n", BalanceType: "*data", Value: 1, Balance: { id: "b" } },
        'unknown field "id" in v1.AttrAddBalance.Balance (map[string]interface {}) (real CGRateS ignores it silently); did you mean "ID"?',
      ],
      [
        "APIerSv1.AddBalance",
        { Account: "n", BalanceType: "*data", Value: 1, Balance: { ID: "b", Value: 5 } },
        'unknown field "Value" in v1.AttrAddBalance.Balance (map[string]interface {})',
      ],
      [
        "APIerSv1.AddBalance",
        { Account: "n", BalanceType: "*data", Value: 1, Balance: { ID: "b", Factors: { x: 1 } } },
        'field "Factors" of v1.AttrAddBalance.Balance is not modelled by the simulator',
      ],
      ["APIerSv1.SetActions", { ActionsId: "A", Actions: [topup, { ...topup, Unit: 3 }] }, 'unknown field "Unit" in v1.V1TPAction'],
      [
        "APIerSv1.SetActions",
        { ActionsId: "A", Actions: [{ ...topup, weight: 3 }] },
        'in v1.V1TPAction (real CGRateS ignores it silently); did you mean "Weight"?',
      ],
      ["APIerSv2.SetAccount", { Account: "n", ExtraOptions: { allowNegative: true } }, 'did you mean "AllowNegative"?'],
      ["APIerSv2.SetAccount", { Account: "n", ExtraOptions: { Frozen: true } }, 'unknown field "Frozen" in v2.AttrSetAccount.ExtraOptions (map[string]bool)'],
      [
        "APIerSv1.SetActionTrigger",
        { GroupID: "G", ActionTrigger: { ThresholdType: "*min_balance", ThresholdValue: 1, Threshold: 2 } },
        'unknown field "Threshold"',
      ],
      [
        "APIerSv2.SetAttributeProfile",
        { ID: "P", Contexts: ["*any"], Attributes: [{ path: "*req.Account", Type: "*constant", Value: "n" }] },
        'unknown field "path" in engine.ExternalAttribute (real CGRateS ignores it silently); did you mean "Path"?',
      ],
      [
        "APIerSv2.SetAttributeProfile",
        { ID: "P", ActivationInterval: { Start: "2024-01-01T00:00:00Z" }, Attributes: [{ Path: "*req.Account", Type: "*constant", Value: "n" }] },
        'unknown field "Start" in utils.ActivationInterval',
      ],
    ];
    await ok("APIerSv1.SetActions", { ActionsId: "KEEP", Actions: [topup] });
    await ok("APIerSv1.SetActionPlan", { Id: "AP", ActionPlan: [{ ActionsId: "KEEP", Time: "*monthly", Weight: 10 }] });
    expect((await rpc("APIerSv1.SetActionPlan", { Id: "AP2", ActionPlan: [{ ActionsId: "KEEP", time: "*monthly", Weight: 10 }] })).error).toContain(
      'unknown field "time" in v1.AttrActionPlan (real CGRateS ignores it silently); did you mean "Time"?',
    );
    for (const [method, params, message] of bad) expect((await rpc(method, params)).error).toContain(message);
    const s = await state();
    expect(s.accounts).toEqual({});
    expect(Object.keys(s.actions)).toEqual(["KEEP"]);
    expect(Object.keys(s.actionPlans)).toEqual(["AP"]);
    expect(s.actionTriggers).toEqual({});
    expect(s.attributeProfiles).toEqual({});
  });

  it("refuses unknown balance types everywhere a balance type is sent", async () => {
    expect((await rpc("APIerSv1.AddBalance", { Account: "t", BalanceType: "*money", Value: 1 })).error).toBe('SIMULATOR_STRICT: unknown BalanceType "*money"');
    expect(
      (await rpc("APIerSv1.SetActions", { ActionsId: "A", Actions: [{ Identifier: "*topup", BalanceType: "monetary", Units: 1, Weight: 1 }] })).error,
    ).toBe('SIMULATOR_STRICT: unknown BalanceType "monetary"');
    expect(
      (await rpc("APIerSv1.SetActionTrigger", { GroupID: "G", ActionTrigger: { ThresholdType: "*min_balance", ThresholdValue: 1, BalanceType: "*minutes" } }))
        .error,
    ).toBe('SIMULATOR_STRICT: unknown BalanceType "*minutes"');
    await ok("APIerSv1.AddBalance", { Account: "t", BalanceType: "*generic", Value: 1.25 });
    await ok("APIerSv1.AddBalance", { Account: "t", BalanceType: "*mms", Value: 2 });
  });

  it("checks *monetary decimals against the currency (EUR: 2)", async () => {
    await ok("APIerSv1.AddBalance", { Account: "m", BalanceType: "*monetary", Value: 10.5 });
    expect((await rpc("APIerSv1.AddBalance", { Account: "m", BalanceType: "*monetary", Value: 10.005 })).error).toBe(
      "SIMULATOR_STRICT: *monetary value 10.005 has 3 decimals; EUR has 2 (CGRateS *monetary is in main units: 10.5 = €10.50)",
    );
    expect((await rpc("APIerSv1.DebitBalance", { Account: "m", BalanceType: "*monetary", Value: 0.001 })).error).toContain("has 3 decimals; EUR has 2");
    expect(
      (await rpc("APIerSv1.SetActions", { ActionsId: "A", Actions: [{ Identifier: "*topup", BalanceType: "*monetary", Units: 1.999, Weight: 1 }] })).error,
    ).toContain("*monetary value 1.999 has 3 decimals");
    expect(
      (
        await rpc("APIerSv1.SetActionTrigger", {
          GroupID: "G",
          ActionTrigger: { ThresholdType: "*min_balance", ThresholdValue: 0.125, BalanceType: "*monetary" },
        })
      ).error,
    ).toContain("*monetary value 0.125 has 3 decimals");
    expect((await account("m", "cgrates.org")).BalanceMap?.["*monetary"]?.map((b) => b.Value)).toEqual([10.5]);
  });

  it("checks *monetary decimals against other currencies (JPY: 0, TND: 3)", async () => {
    const jpy = await startCgratesSimulator(0, { currency: "JPY" });
    const tnd = await startCgratesSimulator(0, { currency: "TND" });
    try {
      expect((await rpc("APIerSv1.AddBalance", { Account: "j", BalanceType: "*monetary", Value: 10.5 }, jpy.url)).error).toBe(
        "SIMULATOR_STRICT: *monetary value 10.5 has 1 decimals; JPY has 0 (CGRateS *monetary is in main units: 1050 = ¥1050)",
      );
      await okAt(jpy.url, "APIerSv1.AddBalance", { Account: "j", BalanceType: "*monetary", Value: 1000 });
      await okAt(tnd.url, "APIerSv1.AddBalance", { Account: "t", BalanceType: "*monetary", Value: 1.234 });
      expect((await rpc("APIerSv1.AddBalance", { Account: "t", BalanceType: "*monetary", Value: 1.2345 }, tnd.url)).error).toContain(
        "has 4 decimals; TND has 3 (CGRateS *monetary is in main units: 10.5 = TND 10.500)",
      );
      expect((await state(tnd.url)).currency).toBe("TND");
    } finally {
      await jpy.close();
      await tnd.close();
    }
  });

  it("refuses *voice values under one second or not whole, and *data/*sms values that are not whole", async () => {
    expect((await rpc("APIerSv1.AddBalance", { Account: "v", BalanceType: "*voice", Value: 300 })).error).toBe(
      "SIMULATOR_STRICT: *voice value 300 is under one second: *voice is in nanoseconds (300 s = 300000000000)",
    );
    expect(
      (await rpc("APIerSv1.SetActions", { ActionsId: "V", Actions: [{ Identifier: "*topup", BalanceType: "*voice", Units: 60, Weight: 1 }] })).error,
    ).toContain("*voice value 60 is under one second");
    expect(
      (await rpc("APIerSv1.SetActionTrigger", { GroupID: "G", ActionTrigger: { ThresholdType: "*min_balance", ThresholdValue: 30, BalanceType: "*voice" } }))
        .error,
    ).toContain("*voice value 30 is under one second");
    expect((await rpc("APIerSv1.AddBalance", { Account: "v", BalanceType: "*voice", Value: 1.5e9 + 0.5 })).error).toContain("is not a whole number");
    expect((await rpc("APIerSv1.AddBalance", { Account: "v", BalanceType: "*data", Value: 1.5 })).error).toBe(
      "SIMULATOR_STRICT: *data value 1.5 is not a whole number",
    );
    expect((await rpc("APIerSv1.AddBalance", { Account: "v", BalanceType: "*sms", Value: 0.5 })).error).toBe(
      "SIMULATOR_STRICT: *sms value 0.5 is not a whole number",
    );
    await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "v", BalanceType: "*voice", Value: 300e9 });
    expect((await account("v")).BalanceMap?.["*voice"]?.[0]?.Value).toBe(300e9);
  });

  it("refuses timings CGRateS' verifyFormat refuses", async () => {
    await ok("APIerSv1.SetActions", { ActionsId: "A", Actions: [{ Identifier: "*log", Weight: 1 }] });
    expect((await rpc("APIerSv1.SetActionPlan", { Id: "AP", ActionPlan: [{ ActionsId: "A", Time: "+1h", Weight: 1 }] })).error).toBe("UNSUPPORTED_FORMAT:+1h");
    await ok("APIerSv1.SetActionPlan", { Id: "AP", ActionPlan: [{ ActionsId: "A", Time: "00:00:01", MonthDays: "1", Weight: 1 }] });
  });

  it("keeps money exact through many small debits", async () => {
    await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "x", BalanceType: "*monetary", Value: 0.3, Balance: { ID: "w" } });
    await ok("APIerSv1.DebitBalance", { Tenant: "op.example", Account: "x", BalanceType: "*monetary", Value: 0.1, Balance: { ID: "w" } });
    expect((await account("x")).BalanceMap?.["*monetary"]?.[0]?.Value).toBe(0.2);
    expect(addExact(19.99, 0.01)).toBe(20);
    expect(formatFloat(1e21)).toBe("1000000000000000000000");
    expect(formatFloat(1e-7)).toBe("0.0000001");
    expect([90n, 45n, 3600n, 0n].map((s) => goDuration(s * 1_000_000_000n))).toEqual(["1m30s", "45s", "1h0m0s", "0s"]);
    expect(goDuration(1n)).toBe("1ns");
    expect(goDuration(1_500_000n)).toBe("1.5ms");
  });
});

describe("CGRateS simulator — scheduler", () => {
  let off: RunningSimulator;
  beforeAll(async () => {
    off = await startCgratesSimulator(0, { scheduler: false });
  });
  afterAll(async () => {
    await off.close();
  });
  beforeEach(async () => {
    await fetch(`${off.url}/_sim/reset`, { method: "POST" });
  });
  const topup = { Identifier: "*topup", BalanceId: "d", BalanceType: "*data", Units: 1024, Weight: 10 };

  it("SetActionPlan with ReloadScheduler saves the plan, then answers SCHEDULER_NOT_RUNNING", async () => {
    expect((await state(off.url)).scheduler).toEqual({ running: false });
    await okAt(off.url, "APIerSv1.SetActions", { ActionsId: "A", Actions: [topup] });
    const reply = await rpc(
      "APIerSv1.SetActionPlan",
      { Id: "AP", ActionPlan: [{ ActionsId: "A", Time: "*monthly", Weight: 10 }], ReloadScheduler: true },
      off.url,
    );
    expect(reply.error).toBe("SCHEDULER_NOT_RUNNING");
    expect(Object.keys((await state(off.url)).actionPlans)).toEqual(["AP"]);
    await okAt(off.url, "APIerSv1.SetActionPlan", { Id: "AP2", ActionPlan: [{ ActionsId: "A", Time: "*monthly", Weight: 10 }] });
  });

  it("SetAccount saves everything, then answers SCHEDULER_NOT_RUNNING; a retry with nothing new to attach answers OK", async () => {
    await okAt(off.url, "APIerSv1.SetActions", { ActionsId: "A", Actions: [topup] });
    await okAt(off.url, "APIerSv1.SetActionPlan", { Id: "AP", ActionPlan: [{ ActionsId: "A", Time: "*monthly", Weight: 10 }] });
    const args = { Tenant: "op.example", Account: "s", ActionPlanIDs: ["AP"], ExtraOptions: { AllowNegative: true }, ReloadScheduler: true };
    expect((await rpc("APIerSv2.SetAccount", args, off.url)).error).toBe("SCHEDULER_NOT_RUNNING");
    const s = await state(off.url);
    expect(s.accounts["op.example:s"]).toMatchObject({ AllowNegative: true });
    expect(s.actionPlans.AP?.AccountIDs).toEqual(["op.example:s"]);
    expect(s.accountActionPlans["op.example:s"]).toEqual(["AP"]);
    await okAt(off.url, "APIerSv2.SetAccount", args);
    // detaching is a change the scheduler must see, too
    expect((await rpc("APIerSv2.SetAccount", { ...args, ActionPlanIDs: [], ActionPlansOverwrite: true }, off.url)).error).toBe("SCHEDULER_NOT_RUNNING");
    expect((await state(off.url)).actionPlans.AP?.AccountIDs).toEqual([]);
  });

  it("queues *asap timings while the scheduler is off and runs them when it is switched on", async () => {
    await okAt(off.url, "APIerSv1.SetActions", { ActionsId: "A", Actions: [topup] });
    await okAt(off.url, "APIerSv1.SetActionPlan", { Id: "AP_NOW", ActionPlan: [{ ActionsId: "A", Time: "*asap", Weight: 10 }] });
    await okAt(off.url, "APIerSv2.SetAccount", { Tenant: "op.example", Account: "q", ActionPlanIDs: ["AP_NOW"] });
    let s = await state(off.url);
    expect(s.tasks).toEqual([{ Uuid: expect.any(String), AccountID: "op.example:q", ActionsID: "A" }]);
    expect(s.accounts["op.example:q"]?.BalanceMap).toBeNull();
    expect(s.actionPlans.AP_NOW?.AccountIDs).toEqual([]); // an all-ASAP plan does not keep the account
    expect(await post("/_sim/scheduler", { running: true }, off.url)).toEqual({
      status: 200,
      body: { running: true, executed: [{ account: "op.example:q", actionsId: "A" }] },
    });
    s = await state(off.url);
    expect(s.tasks).toEqual([]);
    expect(s.accounts["op.example:q"]?.BalanceMap?.["*data"]?.[0]?.Value).toBe(1024);
    expect((await post("/_sim/scheduler", { running: "yes" }, off.url)).status).toBe(400);
    await fetch(`${off.url}/_sim/reset`, { method: "POST" });
    expect((await state(off.url)).scheduler).toEqual({ running: false });
  });

  it("run-action-plan runs each timing's actions for every attached account", async () => {
    await ok("APIerSv1.SetActions", { ActionsId: "RENEW", Actions: [{ ...topup, Identifier: "*topup_reset" }] });
    await ok("APIerSv1.SetActionPlan", { Id: "AP_M", ActionPlan: [{ ActionsId: "RENEW", Time: "*monthly", Weight: 10 }] });
    for (const a of ["r1", "r2"]) await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: a, ActionPlanIDs: ["AP_M"] });
    await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "r1", BalanceType: "*data", Value: 7, Balance: { ID: "d" } });
    expect(await post("/_sim/run-action-plan", { Id: "AP_M" })).toEqual({
      status: 200,
      body: {
        executed: [
          { account: "op.example:r1", actionsId: "RENEW" },
          { account: "op.example:r2", actionsId: "RENEW" },
        ],
      },
    });
    expect((await account("r1")).BalanceMap?.["*data"]?.map((b) => b.Value)).toEqual([1024]);
    expect((await account("r2")).BalanceMap?.["*data"]?.map((b) => b.Value)).toEqual([1024]);
    expect(await post("/_sim/run-action-plan", { Id: "NOPE" })).toEqual({ status: 404, body: { error: "NOT_FOUND" } });
    expect((await post("/_sim/run-action-plan", { id: "AP_M" })).status).toBe(400);
    expect(await post("/_sim/run-action-plan", { Id: "AP_M" }, off.url)).toEqual({ status: 409, body: { error: "SCHEDULER_NOT_RUNNING" } });
  });
});

describe("CGRateS simulator — actions and action plans APIs", () => {
  it("GetActions renders utils.TPAction rows; RemoveActions removes what exists", async () => {
    await ok("APIerSv1.SetActions", {
      ActionsId: "ACT_X",
      Actions: [
        { Identifier: "*topup_reset", BalanceId: "m", BalanceType: "*data", Units: 1073741824, ExpiryTime: "*month_end", DestinationIds: "DST_FR", Weight: 20 },
        { Identifier: "*topup", BalanceType: "*monetary", Units: 2.5, BalanceWeight: 10, BalanceBlocker: "true", Weight: 10 },
      ],
    });
    const reply = await fetch(`${sim.url}/jsonrpc`, { method: "POST", body: JSON.stringify({ method: "APIerSv1.GetActions", params: ["ACT_X"], id: 1 }) });
    const { result } = (await reply.json()) as Reply;
    expect(result).toEqual([
      {
        Identifier: "*topup_reset",
        BalanceId: "m",
        BalanceUuid: "",
        BalanceType: "*data",
        Units: "1073741824",
        ExpiryTime: "*month_end",
        Filter: "",
        TimingTags: "",
        DestinationIds: "DST_FR",
        RatingSubject: "",
        Categories: "",
        SharedGroups: "",
        BalanceWeight: "0",
        ExtraParameters: "",
        BalanceBlocker: "false",
        BalanceDisabled: "false",
        Weight: 20,
      },
      expect.objectContaining({ Identifier: "*topup", Units: "2.5", BalanceWeight: "10", BalanceBlocker: "true", Weight: 10 }),
    ]);
    const bare = async (param: unknown) =>
      (await (
        await fetch(`${sim.url}/jsonrpc`, { method: "POST", body: JSON.stringify({ method: "APIerSv1.GetActions", params: [param], id: 2 }) })
      ).json()) as Reply;
    expect((await bare("")).error).toBe("MANDATORY_IE_MISSING ActionsId: ");
    expect((await bare("NOPE")).error).toBe("SERVER_ERROR: NOT_FOUND");
    expect((await bare({ ActionsId: "ACT_X" })).error).toBe("json: cannot unmarshal object into Go value of type string");
    expect((await rpc("APIerSv1.RemoveActions", {})).error).toBe("NOT_FOUND");
    await ok("APIerSv1.RemoveActions", { ActionIDs: ["ACT_X", "NOT_THERE"] });
    expect((await state()).actions).toEqual({});
  });

  it("GetActionPlan, GetAccountActionPlan and RemoveActionPlan", async () => {
    await ok("APIerSv1.SetActions", { ActionsId: "A", Actions: [{ Identifier: "*log", Weight: 1 }] });
    await ok("APIerSv1.SetActionPlan", {
      Id: "AP_M",
      ActionPlan: [
        { ActionsId: "A", Time: "*monthly", Weight: 10 },
        { ActionsId: "A", Time: "*asap", Weight: 5 },
      ],
    });
    await ok("APIerSv1.SetActionPlan", { Id: "AP_D", ActionPlan: [{ ActionsId: "A", Time: "03:00:00", WeekDays: "1;3", Weight: 10 }] });
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "p", ActionPlanIDs: ["AP_M"] });
    const [plan] = (await rpc("APIerSv1.GetActionPlan", { ID: "AP_M" })).result as Record<string, unknown>[];
    const day = new Date().getUTCDate();
    expect(plan).toEqual({
      Id: "AP_M",
      AccountIDs: { "op.example:p": true },
      ActionTimings: [
        {
          Uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
          Timing: {
            Timing: {
              ID: "*monthly",
              Years: [],
              Months: [],
              MonthDays: [day],
              WeekDays: [],
              StartTime: expect.stringMatching(/^\d{2}:\d{2}:\d{2}$/),
              EndTime: "",
            },
            Rating: null,
            Weight: 0,
          },
          ActionsID: "A",
          ExtraData: null,
          Weight: 10,
        },
        expect.objectContaining({ ActionsID: "A", Timing: expect.objectContaining({ Timing: expect.objectContaining({ StartTime: "*asap" }) }), Weight: 5 }),
      ],
    });
    expect(((await rpc("APIerSv1.GetActionPlan", { ID: "*" })).result as { Id: string }[]).map((p) => p.Id)).toEqual(["AP_M", "AP_D"]);
    expect(((await rpc("APIerSv1.GetActionPlan", {})).result as { AccountIDs: unknown }[])[1]?.AccountIDs).toBeNull();
    expect((await rpc("APIerSv1.GetActionPlan", { ID: "NOPE" })).error).toBe("NOT_FOUND");

    const timings = (await rpc("APIerSv1.GetAccountActionPlan", { Tenant: "op.example", Account: "p" })).result as Record<string, string>[];
    expect(timings).toEqual([
      { ActionPlanId: "AP_M", Uuid: expect.any(String), ActionsId: "A", NextExecTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/) },
      { ActionPlanId: "AP_M", Uuid: expect.any(String), ActionsId: "A", NextExecTime: "0001-01-01T00:00:00Z" },
    ]);
    const next = Date.parse(timings[0]?.NextExecTime ?? "");
    expect(next).toBeGreaterThan(Date.now());
    expect(next - Date.now()).toBeLessThanOrEqual(62 * 86_400_000); // a *monthly anchored on the 31st skips short months
    expect((await rpc("APIerSv1.GetAccountActionPlan", { Tenant: "op.example" })).error).toBe("MANDATORY_IE_MISSING: [Account ]");
    expect((await rpc("APIerSv1.GetAccountActionPlan", { Tenant: "op.example", Account: "nobody" })).result).toEqual([]);

    expect((await rpc("APIerSv1.RemoveActionPlan", {})).error).toBe("MANDATORY_IE_MISSING: [ID]");
    await ok("APIerSv1.RemoveActionPlan", { ID: "AP_M" });
    expect((await rpc("APIerSv1.GetAccountActionPlan", { Tenant: "op.example", Account: "p" })).result).toEqual([]);
    expect(Object.keys((await state()).actionPlans)).toEqual(["AP_D"]);
  });
});

describe("CGRateS simulator — action triggers", () => {
  const lowCredit = { ThresholdType: "*min_balance", ThresholdValue: 5, BalanceType: "*monetary", ActionsID: "ACT_LOW" };

  it("sets, updates, lists and removes triggers with CGRateS' errors", async () => {
    expect((await rpc("APIerSv1.SetActionTrigger", { ActionTrigger: lowCredit })).error).toBe("MANDATORY_IE_MISSING: [GroupID]");
    expect((await rpc("APIerSv1.SetActionTrigger", { GroupID: "G", ActionTrigger: { ActionsID: "X" } })).error).toBe(
      "MANDATORY_IE_MISSING: [ThresholdType ThresholdValue]",
    );
    expect((await rpc("APIerSv1.SetActionTrigger", { GroupID: "G", ActionTrigger: { ...lowCredit, ThresholdType: "*min_credit" } })).error).toContain(
      'SIMULATOR_STRICT: unknown ThresholdType "*min_credit"',
    );
    expect((await rpc("APIerSv1.GetActionTriggers", {})).error).toBe("NOT_FOUND");
    await ok("APIerSv1.SetActionTrigger", { GroupID: "G", UniqueID: "low", ActionTrigger: { ...lowCredit, Recurrent: false, MinSleep: "1m" } });
    await ok("APIerSv1.SetActionTrigger", { GroupID: "G", ActionTrigger: { ThresholdType: "*max_balance", ThresholdValue: 100, BalanceType: "*monetary" } });
    await ok("APIerSv1.SetActionTrigger", { GroupID: "G", UniqueID: "low", ActionTrigger: { ThresholdValue: 2 } });
    const list = (await rpc("APIerSv1.GetActionTriggers", { GroupIDs: ["G"] })).result as SimActionTrigger[];
    expect(list).toHaveLength(2);
    expect(list[0]).toEqual({
      ID: "G",
      UniqueID: "low",
      ThresholdType: "*min_balance",
      ThresholdValue: 2,
      Recurrent: false,
      MinSleep: 60_000_000_000,
      ExpirationDate: "0001-01-01T00:00:00Z",
      ActivationDate: "0001-01-01T00:00:00Z",
      Balance: {
        Uuid: null,
        ID: null,
        Type: "*monetary",
        Value: null,
        ExpirationDate: null,
        Weight: null,
        DestinationIDs: null,
        RatingSubject: null,
        Categories: null,
        SharedGroups: null,
        TimingIDs: null,
        Timings: null,
        Disabled: null,
        Factors: null,
        Blocker: null,
      },
      Weight: 0,
      ActionsID: "ACT_LOW",
      MinQueuedItems: 0,
      Executed: false,
      LastExecutionTime: "0001-01-01T00:00:00Z",
    });
    expect(list[1]?.UniqueID).toMatch(/^[0-9a-f-]{36}$/);
    expect((await rpc("APIerSv1.GetActionTriggers", { GroupIDs: ["NOPE"] })).error).toBe("NOT_FOUND");
    await ok("APIerSv1.RemoveActionTrigger", { GroupID: "G", UniqueID: "low" });
    expect((await rpc("APIerSv1.GetActionTriggers", {})).result).toHaveLength(1);
    await ok("APIerSv1.RemoveActionTrigger", { GroupID: "G" });
    expect((await rpc("APIerSv1.GetActionTriggers", {})).error).toBe("NOT_FOUND");
    expect((await rpc("APIerSv1.RemoveActionTrigger", {})).error).toBe("MANDATORY_IE_MISSING: [GroupID]");
  });

  it("SetAccount with an unknown trigger group: SERVER_ERROR: NOT_FOUND, plans attached, account not created", async () => {
    await ok("APIerSv1.SetActions", { ActionsId: "A", Actions: [{ Identifier: "*log", Weight: 1 }] });
    await ok("APIerSv1.SetActionPlan", { Id: "AP", ActionPlan: [{ ActionsId: "A", Time: "*monthly", Weight: 1 }] });
    const args = { Tenant: "op.example", Account: "t", ActionPlanIDs: ["AP"], ActionTriggerIDs: ["G_LOW"] };
    expect((await rpc("APIerSv2.SetAccount", args)).error).toBe("SERVER_ERROR: NOT_FOUND");
    expect((await state()).actionPlans.AP?.AccountIDs).toEqual(["op.example:t"]);
    expect((await rpc("APIerSv2.GetAccount", { Tenant: "op.example", Account: "t" })).error).toBe("NOT_FOUND");
    await ok("APIerSv1.SetActionTrigger", { GroupID: "G_LOW", UniqueID: "low", ActionTrigger: lowCredit });
    await ok("APIerSv2.SetAccount", args);
    await ok("APIerSv2.SetAccount", args); // the same trigger is not copied twice
    expect((await account("t")).ActionTriggers?.map((t) => [t.ID, t.UniqueID])).toEqual([["G_LOW", "low"]]);
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "t", ActionTriggerOverwrite: true });
    expect((await account("t")).ActionTriggers).toEqual([]);
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "fresh" });
    expect((await account("fresh")).ActionTriggers).toBeNull();
  });

  it("fires a *min_balance trigger once when the balance falls below, and re-arms it after a credit", async () => {
    await ok("APIerSv1.SetActions", {
      ActionsId: "ACT_LOW",
      Actions: [{ Identifier: "*topup", BalanceId: "alerts", BalanceType: "*generic", Units: 1, Weight: 1 }],
    });
    await ok("APIerSv1.SetActionTrigger", { GroupID: "G_LOW", UniqueID: "low", ActionTrigger: lowCredit });
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "f", ActionTriggerIDs: ["G_LOW"] });
    const money = (v: number, debit = false) =>
      ok(debit ? "APIerSv1.DebitBalance" : "APIerSv1.AddBalance", {
        Tenant: "op.example",
        Account: "f",
        BalanceType: "*monetary",
        Value: v,
        Balance: { ID: "main" },
      });
    const alerts = async () => (await account("f")).BalanceMap?.["*generic"]?.[0]?.Value ?? 0;
    await money(10);
    expect(await alerts()).toBe(0);
    await money(6, true); // 4 < 5
    expect(await alerts()).toBe(1);
    expect((await account("f")).ActionTriggers?.[0]).toMatchObject({ Executed: true });
    expect((await account("f")).ActionTriggers?.[0]?.LastExecutionTime).not.toBe("0001-01-01T00:00:00Z");
    await money(1, true); // still below: fires once only
    expect(await alerts()).toBe(1);
    await money(10); // 13: back above, re-armed
    expect((await account("f")).ActionTriggers?.[0]).toMatchObject({ Executed: false });
    await money(9.5, true); // 3.5
    expect(await alerts()).toBe(2);
    const fired = (await state()).firedTriggers;
    expect(fired.map((f) => [f.account, f.groupId, f.uniqueId, f.actionsId, f.value])).toEqual([
      ["op.example:f", "G_LOW", "low", "ACT_LOW", 4],
      ["op.example:f", "G_LOW", "low", "ACT_LOW", 3.5],
    ]);
  });

  it("fires a recurrent *max_balance trigger at each change while above", async () => {
    await ok("APIerSv1.SetActions", { ActionsId: "ACT_HIGH", Actions: [{ Identifier: "*topup", BalanceType: "*generic", Units: 1, Weight: 1 }] });
    await ok("APIerSv1.SetActionTrigger", {
      GroupID: "G_HIGH",
      ActionTrigger: { ThresholdType: "*max_balance", ThresholdValue: 1073741824, BalanceType: "*data", Recurrent: true, ActionsID: "ACT_HIGH" },
    });
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "h", ActionTriggerIDs: ["G_HIGH"] });
    for (let i = 0; i < 3; i++) await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "h", BalanceType: "*data", Value: 1073741824 });
    expect((await state()).firedTriggers).toHaveLength(2);
    expect((await account("h")).ActionTriggers?.[0]?.Executed).toBe(false);
  });
});

describe("CGRateS simulator — attribute profiles", () => {
  const profile = {
    Tenant: "op.example",
    ID: "ATTR_svc_u",
    Contexts: ["*sessions"],
    FilterIDs: ["*string:~*req.Account:+33612345678|208150000000001"],
    Attributes: [{ Path: "*req.Account", Type: "*constant", Value: "svc_u" }],
    Weight: 10,
    APIOpts: {},
  };

  it("sets, gets and removes profiles with CGRateS' errors", async () => {
    await ok("APIerSv2.SetAttributeProfile", profile);
    const got = (await rpc("APIerSv1.GetAttributeProfile", { Tenant: "op.example", ID: "ATTR_svc_u" })).result;
    expect(got).toEqual({
      Tenant: "op.example",
      ID: "ATTR_svc_u",
      Contexts: ["*sessions"],
      FilterIDs: ["*string:~*req.Account:+33612345678|208150000000001"],
      ActivationInterval: null,
      Attributes: [{ FilterIDs: null, Path: "*req.Account", Type: "*constant", Value: [{ Rules: "svc_u" }] }],
      Blocker: false,
      Weight: 10,
    });
    await ok("APIerSv2.SetAttributeProfile", { ...profile, Tenant: "", ActivationInterval: { ActivationTime: "2024-01-01T00:00:00+01:00" } });
    expect((await rpc("APIerSv1.GetAttributeProfile", { ID: "ATTR_svc_u" })).result).toMatchObject({
      Tenant: "cgrates.org",
      ActivationInterval: { ActivationTime: "2023-12-31T23:00:00.000Z", ExpiryTime: "0001-01-01T00:00:00Z" },
    });
    expect((await rpc("APIerSv2.SetAttributeProfile", { ...profile, ID: "" })).error).toBe("MANDATORY_IE_MISSING: [ID]");
    expect((await rpc("APIerSv2.SetAttributeProfile", { ...profile, Attributes: [] })).error).toBe("SERVER_ERROR: MANDATORY_IE_MISSING: [Attributes]");
    expect((await rpc("APIerSv2.SetAttributeProfile", { ...profile, Attributes: [{ Type: "*constant", Value: "x" }] })).error).toBe(
      "SERVER_ERROR: MANDATORY_IE_MISSING: [Path]",
    );
    expect((await rpc("APIerSv2.SetAttributeProfile", { ...profile, Attributes: [{ Path: "*req.Account", Type: "*const", Value: "x" }] })).error).toContain(
      'SIMULATOR_STRICT: unknown attribute Type "*const"',
    );
    expect((await rpc("APIerSv2.SetAttributeProfile", { ...profile, FilterIDs: ["*string:~*req.Account:+336;+337"] })).error).toContain(
      'separates *string values with "|", not ";"',
    );
    expect((await rpc("APIerSv1.GetAttributeProfile", { Tenant: "op.example", ID: "NOPE" })).error).toBe("NOT_FOUND");
    expect((await rpc("APIerSv1.GetAttributeProfile", { Tenant: "op.example" })).error).toBe("MANDATORY_IE_MISSING: [ID]");
    await ok("APIerSv1.RemoveAttributeProfile", { Tenant: "op.example", ID: "ATTR_svc_u", APIOpts: {} });
    expect((await rpc("APIerSv1.RemoveAttributeProfile", { Tenant: "op.example", ID: "ATTR_svc_u" })).error).toBe("NOT_FOUND");
    expect(Object.keys((await state()).attributeProfiles)).toEqual(["cgrates.org:ATTR_svc_u"]);
  });
});

describe("CGRateS simulator — rating (/_sim/usage)", () => {
  const profile = {
    Tenant: "op.example",
    ID: "ATTR_svc_u",
    Contexts: ["*sessions"],
    FilterIDs: ["*string:~*req.Account:+33612345678|208150000000001"],
    Attributes: [{ Path: "*req.Account", Type: "*constant", Value: "svc_u" }],
    Weight: 10,
  };
  const usage = (body: Record<string, unknown>) => post("/_sim/usage", { tenant: "op.example", ...body });
  type Cdr = {
    Cost: number;
    CostDetails: {
      Charges: { Increments: { AccountingID: string; CompressFactor: number; Usage: number; Cost: number }[]; CompressFactor: number }[];
      Accounting: Record<string, { BalanceUUID: string; Units: number }>;
      AccountSummary: { BalanceSummaries: { UUID: string; Type: string; Initial: number; Value: number }[] };
      Usage: number;
    };
  } & Record<string, unknown>;
  /** What left each balance type according to CostDetails (the documented invariant). */
  const takenByType = (cdr: Cdr) => {
    const ec = cdr.CostDetails;
    const typeOf = Object.fromEntries(ec.AccountSummary.BalanceSummaries.map((b) => [b.UUID, b.Type]));
    const out: Record<string, number> = {};
    for (const c of ec.Charges)
      for (const inc of c.Increments) {
        const acc = ec.Accounting[inc.AccountingID];
        if (!acc) throw new Error(`no accounting ${inc.AccountingID}`);
        const type = typeOf[acc.BalanceUUID] ?? "?";
        out[type] = addExact(out[type] ?? 0, acc.Units * inc.CompressFactor * c.CompressFactor);
      }
    return out;
  };

  beforeEach(async () => {
    await ok("APIerSv2.SetAttributeProfile", profile);
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "svc_u" });
    const add = (BalanceType: string, Value: number, Balance: Record<string, unknown>) =>
      ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "svc_u", BalanceType, Value, Balance });
    await add("*voice", 60e9, { ID: "bundle", Weight: 10 });
    await add("*voice", 30e9, { ID: "bonus", Weight: 20, ExpiryTime: "+720h" });
    await add("*monetary", 1, { ID: "main" });
  });

  it("maps the identifier through the attribute profile, takes bundles first and money at the rates, and writes the CDR", async () => {
    const res = await usage({ identifier: "+33612345678", unit: "voice", amount: 120, destination: "+33140000000", at: "2024-05-01T10:00:00Z" });
    expect(res.status).toBe(200);
    const body = res.body as { account: string; cost: number; debited: { balanceId: string; type: string; units: number }[]; cdr: Cdr };
    expect(body.account).toBe("op.example:svc_u");
    expect(body.cost).toBe(0.05);
    expect(body.debited.map((d) => [d.balanceId, d.type, d.units])).toEqual([
      ["bonus", "*voice", 30e9],
      ["bundle", "*voice", 60e9],
      ["main", "*monetary", 0.05],
    ]);
    expect(body.cdr).toMatchObject({
      RunID: "*default",
      OriginHost: "127.0.0.1",
      Source: "*sim_usage",
      ToR: "*voice",
      RequestType: "*prepaid",
      Tenant: "op.example",
      Category: "call",
      Account: "svc_u",
      Subject: "+33612345678",
      Destination: "+33140000000",
      SetupTime: "2024-05-01T10:00:00.000Z",
      AnswerTime: "2024-05-01T10:00:00.000Z",
      Usage: "2m0s",
      ExtraFields: {},
      CostSource: "*sessions",
      Cost: 0.05,
      PreRated: false,
    });
    expect(body.cdr.CostDetails.Usage).toBe(120e9);
    // the accounting sums exactly to what left each balance
    expect(takenByType(body.cdr)).toEqual({ "*voice": 90e9, "*monetary": 0.05 });
    for (const b of body.cdr.CostDetails.AccountSummary.BalanceSummaries) {
      const units = Object.values(body.cdr.CostDetails.Accounting).find((a) => a.BalanceUUID === b.UUID)?.Units;
      expect(addExact(b.Initial, -b.Value)).toBe(units);
    }
    const incUsage = body.cdr.CostDetails.Charges.flatMap((c) => c.Increments).reduce((s, i) => s + i.Usage, 0);
    expect(incUsage).toBe(120e9);
    const acc = await account("svc_u");
    expect(acc.BalanceMap?.["*voice"]?.map((b) => [b.ID, b.Value])).toEqual([
      ["bundle", 0],
      ["bonus", 0],
    ]);
    expect(acc.BalanceMap?.["*monetary"]?.[0]?.Value).toBe(0.95);
    const cdrs = (await rpc("APIerSv2.GetCDRs", { Accounts: ["svc_u"], ToRs: ["*voice"] })).result as Cdr[];
    expect(cdrs.map((c) => c.CGRID)).toEqual([body.cdr.CGRID]);
  });

  it("prices data per MiB and sms per message, through the second identifier, without drift", async () => {
    const data = await usage({ identifier: "208150000000001", unit: "data", amount: 1_572_864 });
    expect(data.body).toMatchObject({ cost: 0.03, cdr: { ToR: "*data", Category: "data", Usage: "1572864", Subject: "208150000000001" } });
    for (let i = 0; i < 3; i++) await usage({ identifier: "+33612345678", unit: "sms", amount: 1 });
    expect((await usage({ identifier: "+33612345678", unit: "voice", amount: 90 })).body).toMatchObject({ cost: 0 }); // the bundles
    for (let i = 0; i < 3; i++) expect((await usage({ identifier: "+33612345678", unit: "voice", amount: 7 })).body).toMatchObject({ cost: 0.0117 });
    // 1 - 0.03 - 3 × 0.05 - 3 × 0.0117 (7 s × 0.10/60 = 0.011666… rounded half up to 4 decimals)
    expect((await account("svc_u")).BalanceMap?.["*monetary"]?.[0]?.Value).toBe(0.7849);
    const cdrs = (await rpc("APIerSv2.GetCDRs", { Accounts: ["svc_u"], ToRs: ["*sms"] })).result as Cdr[];
    expect(cdrs.map((c) => [c.Usage, c.Cost, c.Category])).toEqual([
      ["1", 0.05, "sms"],
      ["1", 0.05, "sms"],
      ["1", 0.05, "sms"],
    ]);
  });

  it("answers INSUFFICIENT_CREDIT and changes nothing when the money is not enough", async () => {
    await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "svc_u", BalanceType: "*sms", Value: 2, Balance: { ID: "sms" } });
    const before = await state();
    expect(await usage({ identifier: "+33612345678", unit: "sms", amount: 30 })).toEqual({ status: 402, body: { error: "INSUFFICIENT_CREDIT" } });
    const after = await state();
    expect(after.accounts).toEqual(before.accounts);
    expect(after.cdrs).toEqual(before.cdrs);
  });

  it("lets an AllowNegative account go below zero, creating a *default balance when it has none", async () => {
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "svc_u", ExtraOptions: { AllowNegative: true } });
    await usage({ identifier: "+33612345678", unit: "sms", amount: 30 });
    expect((await account("svc_u")).BalanceMap?.["*monetary"]?.[0]?.Value).toBe(-0.5);
    await ok("APIerSv2.SetAttributeProfile", {
      ...profile,
      ID: "ATTR_post",
      FilterIDs: ["*string:~*req.Account:+33699999999"],
      Attributes: [{ Path: "*req.Account", Type: "*constant", Value: "svc_post" }],
    });
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "svc_post", ExtraOptions: { AllowNegative: true } });
    const res = await usage({ identifier: "+33699999999", unit: "sms", amount: 2 });
    expect(res.body).toMatchObject({ cost: 0.1, cdr: { RequestType: "*postpaid" }, debited: [{ balanceId: "*default", type: "*monetary", units: 0.1 }] });
    expect((await account("svc_post")).BalanceMap?.["*monetary"]?.map((b) => [b.ID, b.Value])).toEqual([["*default", -0.1]]);
  });

  it("refuses unknown identifiers, missing or disabled accounts and bad bodies", async () => {
    expect(await usage({ identifier: "+33700000000", unit: "sms", amount: 1 })).toEqual({
      status: 404,
      body: { error: "NOT_FOUND: no attribute profile maps +33700000000" },
    });
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "svc_u", ExtraOptions: { Disabled: true } });
    expect(await usage({ identifier: "+33612345678", unit: "sms", amount: 1 })).toEqual({ status: 403, body: { error: "ACCOUNT_DISABLED" } });
    await ok("APIerSv1.RemoveAccount", { Tenant: "op.example", Account: "svc_u" });
    expect(await usage({ identifier: "+33612345678", unit: "sms", amount: 1 })).toEqual({ status: 404, body: { error: "ACCOUNT_NOT_FOUND" } });
    for (const [body, field] of [
      [{ identifier: "+33612345678", unit: "sms", amount: 1.5 }, "amount"],
      [{ identifier: "+33612345678", unit: "sms", amount: 0 }, "amount"],
      [{ identifier: "+33612345678", unit: "mms", amount: 1 }, "unit"],
      [{ identifier: "", unit: "sms", amount: 1 }, "identifier"],
      [{ identifier: "+33612345678", unit: "sms", amount: 1, at: "yesterday" }, "at"],
      [{ identifier: "+33612345678", unit: "sms", amount: 1, Amount: 1 }, "Amount"],
    ] as const) {
      const res = await usage(body);
      expect(res.status).toBe(400);
      expect(String(res.body.error)).toContain(field);
    }
  });

  it("fires the account's triggers after rating", async () => {
    await ok("APIerSv1.SetActions", { ActionsId: "ACT_LOW", Actions: [{ Identifier: "*log", Weight: 1 }] });
    await ok("APIerSv1.SetActionTrigger", {
      GroupID: "G_LOW",
      UniqueID: "low",
      ActionTrigger: { ThresholdType: "*min_balance", ThresholdValue: 0.5, BalanceType: "*monetary", ActionsID: "ACT_LOW" },
    });
    await ok("APIerSv2.SetAccount", { Tenant: "op.example", Account: "svc_u", ActionTriggerIDs: ["G_LOW"] });
    await usage({ identifier: "+33612345678", unit: "sms", amount: 12 }); // 0.60 → 0.40
    expect((await state()).firedTriggers.map((f) => [f.account, f.value])).toEqual([["op.example:svc_u", 0.4]]);
  });
});

describe("CGRateS simulator — *cdrlog", () => {
  it("writes a CDR per balance action with the ExtraParameters template (BalanceID, BalanceValue)", async () => {
    await ok("APIerSv1.SetActions", {
      ActionsId: "ACT_TOPUP",
      Actions: [
        { Identifier: "*topup", BalanceId: "main", BalanceType: "*monetary", Units: 10, Weight: 20 },
        {
          Identifier: "*cdrlog",
          ExtraParameters: JSON.stringify({ BalanceID: "~*acnt.BalanceID", BalanceValue: "~*acnt.BalanceValue", Category: "topup", Action: "~*act.ActionID" }),
          Weight: 10,
        },
      ],
    });
    await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "c", BalanceType: "*monetary", Value: 2.5, Balance: { ID: "main" } });
    await ok("APIerSv1.ExecuteAction", { Tenant: "op.example", Account: "c", ActionsId: "ACT_TOPUP" });
    const cdrs = (await rpc("APIerSv2.GetCDRs", { RunIDs: ["*topup"], Accounts: ["c"] })).result as Record<string, unknown>[];
    expect(cdrs).toHaveLength(1);
    expect(cdrs[0]).toMatchObject({
      RunID: "*topup",
      OriginHost: "127.0.0.1",
      Source: "*cdrlog",
      ToR: "*monetary",
      RequestType: "*none",
      Tenant: "op.example",
      Category: "topup",
      Account: "c",
      Subject: "c",
      Destination: "",
      Usage: "1ns",
      ExtraFields: { BalanceID: "main", BalanceValue: "12.5", Action: "ACT_TOPUP" },
      CostSource: "",
      Cost: 10,
      CostDetails: "",
      PreRated: true,
    });
    expect(cdrs[0]?.CGRID).toMatch(/^[0-9a-f]{40}$/);
    await ok("APIerSv1.AddBalance", {
      Tenant: "op.example",
      Account: "c",
      BalanceType: "*data",
      Value: 1024,
      Cdrlog: true,
      ActionExtraData: { Source: "bss" },
    });
    expect((await rpc("APIerSv2.GetCDRs", { ToRs: ["*data"] })).result).toMatchObject([{ RunID: "*topup", Source: "bss", Cost: 1024 }]);
  });

  it("logs each balance a *remove_balance removed, and every logged action of the set", async () => {
    await ok("APIerSv1.AddBalance", { Tenant: "op.example", Account: "r", BalanceType: "*data", Value: 500, Balance: { ID: "pack" } });
    await ok("APIerSv1.SetActions", {
      ActionsId: "ACT_END",
      Actions: [
        { Identifier: "*remove_balance", BalanceId: "pack", BalanceType: "*data", Units: 1, Weight: 30 },
        { Identifier: "*cdrlog", Weight: 20 },
        { Identifier: "*topup", BalanceId: "later", BalanceType: "*sms", Units: 5, Weight: 10 },
      ],
    });
    await ok("APIerSv1.ExecuteAction", { Tenant: "op.example", Account: "r", ActionsId: "ACT_END" });
    const cdrs = (await rpc("APIerSv2.GetCDRs", { Accounts: ["r"] })).result as Record<string, unknown>[];
    expect(cdrs.map((c) => [c.RunID, c.ToR, c.Cost, c.ExtraFields])).toEqual([
      ["*remove_balance", "*data", 500, { BalanceID: "pack" }],
      ["*topup", "*sms", 5, {}], // after the *cdrlog: logged too, as CGRateS does
    ]);
  });

  it("refuses templates real CGRateS would silently leave empty or ignore", async () => {
    const set = (template: unknown) =>
      rpc("APIerSv1.SetActions", {
        ActionsId: "A",
        Actions: [{ Identifier: "*cdrlog", ExtraParameters: typeof template === "string" ? template : JSON.stringify(template), Weight: 1 }],
      });
    expect((await set({ BalanceID: "~*act.BalanceID" })).error).toBe(
      'SIMULATOR_STRICT: *cdrlog template field "BalanceID": "~*act.BalanceID" is empty in real CGRateS; did you mean "~*acnt.BalanceID"?',
    );
    expect((await set({ SetupTime: "~*acnt.BalanceValue" })).error).toContain('field "SetupTime" cannot be set by a *cdrlog template');
    expect((await set({ account: "x" })).error).toContain('did you mean "Account"?');
    expect((await set({ X: "~*req.Account" })).error).toContain('unsupported path "~*req.Account"');
    expect((await set("{not json")).error).toContain("*cdrlog ExtraParameters is not JSON");
    expect((await set({ X: 1 })).error).toContain("must be a JSON object of strings");
    expect((await state()).actions).toEqual({});
  });
});

describe("CGRateS simulator — state and reset", () => {
  it("shows the new state keys and resets them", async () => {
    expect(await state()).toMatchObject({
      actionTriggers: {},
      attributeProfiles: {},
      tasks: [],
      scheduler: { running: true },
      firedTriggers: [],
      currency: "EUR",
      rates: { voicePerMinute: 0.1, dataPerMegabyte: 0.02, smsEach: 0.05 },
    });
    await post("/_sim/scheduler", { running: false });
    await ok("APIerSv1.SetActionTrigger", { GroupID: "G", ActionTrigger: { ThresholdType: "*min_balance", ThresholdValue: 0 } });
    await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
    expect(await state()).toMatchObject({ actionTriggers: {}, scheduler: { running: true } });
  });
});
