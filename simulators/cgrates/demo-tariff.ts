/**
 * The demo operator's tariff plan, as an operator loads it into CGRateS before any service is
 * provisioned (the products reference these by name): loaded through the real JSON-RPC methods.
 */
const GB = 2 ** 30;

const ACTIONS: { ActionsId: string; Actions: Record<string, unknown>[] }[] = [
  {
    ActionsId: "ACT_PREPAID_MONTHLY",
    Actions: [{ Identifier: "*topup_reset", BalanceId: "monthly-data", BalanceType: "*data", Units: 10 * GB, ExpiryTime: "*month_end", Weight: 10 }],
  },
  {
    ActionsId: "ACT_POSTPAID_MONTHLY",
    Actions: [{ Identifier: "*topup_reset", BalanceId: "monthly-voice", BalanceType: "*voice", Units: 3600 * 1e9, ExpiryTime: "*month_end", Weight: 10 }],
  },
  {
    ActionsId: "Action_data-pack-5gb",
    Actions: [{ Identifier: "*topup", BalanceType: "*data", Units: 5 * GB, ExpiryTime: "+720h", Weight: 10 }],
  },
];

const PLANS: { Id: string; ActionPlan: Record<string, unknown>[] }[] = [
  { Id: "AP_PREPAID_MONTHLY", ActionPlan: [{ ActionsId: "ACT_PREPAID_MONTHLY", Time: "*monthly", Weight: 10 }] },
  { Id: "AP_POSTPAID", ActionPlan: [{ ActionsId: "ACT_POSTPAID_MONTHLY", Time: "*monthly", Weight: 10 }] },
];

/** Loads the demo actions and action plans into the CGRateS at `url` (…/jsonrpc). */
export async function loadDemoTariff(url: string, auth?: { user: string; password: string }): Promise<void> {
  let id = 0;
  const call = async (method: string, params: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(auth ? { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}` } : {}),
      },
      body: JSON.stringify({ method, params: [params], id: ++id }),
    });
    const body = (await response.json()) as { error: string | null };
    if (body.error) throw new Error(`${method}: ${body.error}`);
  };
  for (const a of ACTIONS) await call("APIerSv1.SetActions", { ...a, Overwrite: true });
  for (const p of PLANS) await call("APIerSv1.SetActionPlan", { ...p, Overwrite: true, ReloadScheduler: true });
}
