import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCgratesSimulator } from "../../simulators/cgrates/server";
import type { RunningSimulator } from "../../simulators/lib/server";
import { CgratesError, cgratesErrorFromString, createCgratesClient } from "./cgrates";

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startCgratesSimulator(0, { basicAuth: { user: "cgr", password: "pw" } });
});
afterAll(() => sim.close());
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
});

const client = (extra: Partial<Parameters<typeof createCgratesClient>[0]> = {}) =>
  createCgratesClient({ url: `${sim.url}/jsonrpc`, tenant: "op.example", user: "cgr", password: "pw", ...extra });
const simPost = (path: string, body: unknown) => fetch(`${sim.url}${path}`, { method: "POST", body: JSON.stringify(body) });
const calls = async () =>
  ((await (await fetch(`${sim.url}/_sim/state`)).json()) as { calls: { method: string; params: unknown[]; error: string | null }[] }).calls;

const failure = async (p: Promise<unknown>): Promise<CgratesError> => {
  try {
    await p;
  } catch (error) {
    if (error instanceof CgratesError) return error;
    throw error;
  }
  throw new Error("expected a CgratesError");
};

describe("CGRateS client against the simulator", () => {
  it("round-trips accounts, balances, actions and plans with typed replies", async () => {
    const c = client();
    expect(await c.getAccount({ Account: "svc_1" })).toBeNull();
    await c.setAccount({ Account: "svc_1", ExtraOptions: { AllowNegative: false } });
    await c.addBalance({ Account: "svc_1", BalanceType: "*data", Value: 5e9, Balance: { ID: "job_1", ExpiryTime: "+720h", Weight: 10 } });
    await c.debitBalance({ Account: "svc_1", BalanceType: "*data", Value: 1e9, Balance: { ID: "job_1" } });
    await c.setActions({ ActionsId: "Action_voice", Actions: [{ Identifier: "*topup", BalanceId: "mins", BalanceType: "*voice", Units: 600e9, Weight: 10 }] });
    await c.executeAction({ Account: "svc_1", ActionsId: "Action_voice" });
    await c.setActionPlan({ Id: "AP_monthly", ActionPlan: [{ ActionsId: "Action_voice", Time: "*monthly", Weight: 10 }] });
    const acc = await c.getAccount({ Account: "svc_1" });
    expect(acc?.ID).toBe("op.example:svc_1");
    expect(acc?.BalanceMap?.["*data"]?.[0]).toMatchObject({ ID: "job_1", Value: 4e9, Weight: 10 });
    expect(acc?.BalanceMap?.["*voice"]?.[0]?.Value).toBe(600e9);
    await c.removeAccount({ Account: "svc_1" });
    expect(await c.getAccount({ Account: "svc_1" })).toBeNull();
  });

  it("sends the tenant, increasing ids and one params element", async () => {
    const seen: { id: number; params: unknown[] }[] = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push(JSON.parse(String(init?.body)));
      return fetch(input, init);
    };
    const c = client({ fetch: spy });
    await c.setAccount({ Account: "a" });
    await c.setAccount({ Tenant: "other.example", Account: "b" });
    expect(seen.map((s) => s.id)).toEqual([1, 2]);
    expect(seen.map((s) => s.params)).toEqual([[{ Account: "a", Tenant: "op.example" }], [{ Account: "b", Tenant: "other.example" }]]);
  });

  it("returns CDRs, and an empty list where CGRateS answers NOT_FOUND", async () => {
    await simPost("/_sim/cdrs", [{ CGRID: "c1", Account: "svc_c", SetupTime: "2024-05-01T10:00:00Z", Cost: 0.2 }]);
    const c = client();
    expect((await c.getCdrs({ Accounts: ["svc_c"], Limit: 10 })).map((x) => [x.CGRID, x.Cost])).toEqual([["c1", 0.2]]);
    expect(await c.getCdrs({ Accounts: ["nobody"] })).toEqual([]);
  });

  it("maps CGRateS error strings to codes", async () => {
    const c = client();
    const missing = await failure(c.setAccount({ Account: "" }));
    expect([missing.code, missing.message, missing.retryable]).toEqual(["MANDATORY_IE_MISSING", "MANDATORY_IE_MISSING: [Account]", false]);
    expect((await failure(c.executeAction({ Account: "x", ActionsId: "NOPE" }))).code).toBe("NOT_FOUND");
    expect((await failure(c.call("APIerSv2.Nope", {}))).code).toBe("UNKNOWN_METHOD");
    await simPost("/_sim/fail", { method: "APIerSv1.AddBalance", error: "SERVER_ERROR: redis down" });
    const server = await failure(c.addBalance({ Account: "x", BalanceType: "*monetary", Value: 1 }));
    expect([server.code, server.retryable, server.method]).toEqual(["SERVER_ERROR", true, "APIerSv1.AddBalance"]);
    expect(cgratesErrorFromString("m", "SERVER_ERROR: NOT_FOUND").code).toBe("NOT_FOUND");
    expect(cgratesErrorFromString("m", "BROKEN_REFERENCE:Action_x").code).toBe("BROKEN_REFERENCE");
    expect(cgratesErrorFromString("m", "INSUFFICIENT_CREDIT").code).toBe("INSUFFICIENT_CREDIT");
    expect(cgratesErrorFromString("m", "something else").code).toBe("OTHER");
  });

  it("calls a method exactly once per client call, retry decisions being the caller's", async () => {
    const c = client();
    await simPost("/_sim/fail", { method: "APIerSv2.SetAccount", times: 1 });
    expect((await failure(c.setAccount({ Account: "once" }))).retryable).toBe(true);
    await c.setAccount({ Account: "once" });
    expect((await calls()).filter((x) => x.method === "APIerSv2.SetAccount").map((x) => x.error)).toEqual(["SERVER_ERROR", null]);
  });

  it("maps transport failures: 401, 503, unreachable port, timeout", async () => {
    const unauthorized = await failure(client({ password: "wrong" }).setAccount({ Account: "x" }));
    expect([unauthorized.code, unauthorized.retryable, unauthorized.httpStatus]).toEqual(["UNAUTHORIZED", false, 401]);

    await simPost("/_sim/down", { seconds: 30 });
    const down = await failure(client().getAccount({ Account: "x" }));
    expect([down.code, down.retryable, down.httpStatus]).toEqual(["SERVER_ERROR", true, 503]);
    await simPost("/_sim/down", { seconds: 0 });

    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, "127.0.0.1", resolve));
    const address = free.address();
    const port = typeof address === "object" && address ? address.port : 0;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const unreachable = await failure(createCgratesClient({ url: `http://127.0.0.1:${port}/jsonrpc`, tenant: "t" }).getAccount({ Account: "x" }));
    expect([unreachable.code, unreachable.retryable]).toEqual(["UNREACHABLE", true]);

    await simPost("/_sim/fail", { method: "APIerSv2.GetAccount", delayMs: 500 });
    const timeout = await failure(client({ timeoutMs: 100 }).getAccount({ Account: "x" }));
    expect([timeout.code, timeout.retryable]).toEqual(["TIMEOUT", true]);
  });

  it("reports a reply that is not JSON-RPC", async () => {
    const empty: typeof fetch = async () => new Response("", { status: 200 });
    const bad = await failure(client({ fetch: empty }).setAccount({ Account: "x" }));
    expect([bad.code, bad.retryable]).toEqual(["BAD_RESPONSE", false]);
  });
});
