import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../lib/server";
import { parseExpiryTime, type SimAccount, type SimCall, startCgratesSimulator } from "./server";

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
const state = async () =>
  (await (await fetch(`${sim.url}/_sim/state`)).json()) as {
    accounts: Record<string, SimAccount>;
    actions: Record<string, unknown[]>;
    actionPlans: Record<string, { AccountIDs: string[] }>;
    calls: SimCall[];
  };

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

  it("reports a JSON type mismatch the way encoding/json does and matches field names case-insensitively", async () => {
    expect((await rpc("APIerSv1.AddBalance", { Account: "a", BalanceType: "*monetary", Value: "10" })).error).toBe(
      "json: cannot unmarshal string into Go struct field AttrAddBalance.Value of type float64",
    );
    await ok("APIerSv1.AddBalance", { tenant: "op.example", account: "ci", balancetype: "*monetary", value: 3 });
    expect((await account("ci")).BalanceMap?.["*monetary"]?.[0]?.Value).toBe(3);
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
