import { type RunningSimulator, type SimRequest, type SimResponse, serve } from "../lib/server";

/**
 * CGRateS simulator: an in-memory engine answering the APIer JSON-RPC methods OmniCRM uses on
 * `POST /jsonrpc`, with the wire behaviour of CGRateS' HTTP listener (Go net/rpc + jsonrpc codec):
 *
 * - every answer is HTTP 200 `{"id":…,"result":…,"error":null|"<string>"}`; a body that is not JSON
 *   gets HTTP 200 with an empty body (net/rpc drops requests whose header cannot be decoded);
 * - unknown method → `rpc: can't find method <Service.Method>`, unknown service →
 *   `rpc: can't find service <Service.Method>`, no dot → `rpc: service/method request ill-formed: <name>`;
 * - missing mandatory fields → `MANDATORY_IE_MISSING: [Field …]` (zero values count as missing, as in
 *   `utils.MissingStructFields`); unknown account on GetAccount → `NOT_FOUND`;
 * - AddBalance, DebitBalance and ExecuteAction create a missing account (as CGRateS does); a `*debit`
 *   may take a balance below zero (CGRateS' debit action never refuses; AllowNegative only matters
 *   for rating). Use `POST /_sim/fail` to exercise refusals such as `INSUFFICIENT_CREDIT`.
 *
 * Simulator endpoints besides `GET /_sim/state` and `POST /_sim/reset`:
 * - `POST /_sim/cdrs` `[ExternalCDR…]` seeds CDRs for `APIerSv2.GetCDRs`;
 * - `POST /_sim/fail` `{method, times?, error?, delayMs?, applied?}`: the next `times` (default 1) calls
 *   of `method` (`*` = any) answer `error` (default `SERVER_ERROR` unless only `delayMs` is given), after
 *   `delayMs` ms; with `applied: true` the call takes effect before the error is returned (a lost reply);
 * - `POST /_sim/down` `{seconds}`: `/jsonrpc` answers HTTP 503 "Service Unavailable" for that long
 *   (`seconds: 0` ends it). The listener stays up, so tests keep access to `/_sim/*`.
 */
export type CgratesSimulatorOptions = {
  /** When set, `/jsonrpc` requires these HTTP basic credentials (401 "Not authorized" otherwise). */
  basicAuth?: { user: string; password: string };
  /** The engine's `general.default_tenant`, used when a request's Tenant is empty. */
  defaultTenant?: string;
};

/** A balance as `APIerSv2.GetAccount` returns it (engine.Balance). */
export type SimBalance = {
  Uuid: string;
  ID: string;
  Value: number;
  ExpirationDate: string;
  Weight: number;
  DestinationIDs: Record<string, boolean>;
  RatingSubject: string;
  Categories: Record<string, boolean>;
  SharedGroups: Record<string, boolean>;
  Timings: null;
  TimingIDs: Record<string, boolean>;
  Disabled: boolean;
  Factors: null;
  Blocker: boolean;
};

/** An account as `APIerSv2.GetAccount` returns it (engine.Account). */
export type SimAccount = {
  ID: string;
  BalanceMap: Record<string, SimBalance[]> | null;
  UnitCounters: null;
  ActionTriggers: null;
  AllowNegative: boolean;
  Disabled: boolean;
  UpdateTime: string;
};

/** One stored action (the fields of APIerSv1.SetActions' V1TPAction). */
export type SimAction = {
  Identifier: string;
  BalanceId: string;
  BalanceUuid: string;
  BalanceType: string;
  Units: number;
  ExpiryTime: string;
  Filter: string;
  TimingTags: string;
  DestinationIds: string;
  RatingSubject: string;
  Categories: string;
  SharedGroups: string;
  BalanceWeight: number | null;
  ExtraParameters: string;
  BalanceBlocker: string;
  BalanceDisabled: string;
  Weight: number;
};

/** One timing of a stored action plan. */
export type SimActionTiming = {
  ActionsId: string;
  TimingID: string;
  Years: string;
  Months: string;
  MonthDays: string;
  WeekDays: string;
  Time: string;
  Weight: number;
};

/** A JSON-RPC call as the simulator received it. */
export type SimCall = { method: string; params: unknown; at: string; error: string | null };

const ZERO_TIME = "0001-01-01T00:00:00Z";
const ZERO_MS = Date.parse(ZERO_TIME);
const MANDATORY = "MANDATORY_IE_MISSING";

class RpcError extends Error {}

const mandatoryMissing = (fields: string[]) => new RpcError(`${MANDATORY}: [${fields.join(" ")}]`);

type Kind = "string" | "number" | "bool" | "strings" | "boolmap" | "object" | "array" | "intptr";
const GO_TYPE: Record<Kind, string> = {
  string: "string",
  number: "float64",
  bool: "bool",
  strings: "[]string",
  boolmap: "map[string]bool",
  object: "map[string]interface {}",
  array: "[]interface {}",
  intptr: "int",
};

const jsonKind = (v: unknown): string => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v === "boolean" ? "bool" : typeof v);

function kindMatches(kind: Kind, v: unknown): boolean {
  if (v === null) return true; // Go leaves the zero value for null
  switch (kind) {
    case "string":
      return typeof v === "string";
    case "number":
    case "intptr":
      return typeof v === "number";
    case "bool":
      return typeof v === "boolean";
    case "strings":
      return Array.isArray(v) && v.every((x) => typeof x === "string" || x === null);
    case "array":
      return Array.isArray(v);
    case "boolmap":
      return typeof v === "object" && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === "boolean" || x === null);
    case "object":
      return typeof v === "object" && !Array.isArray(v);
  }
}

/**
 * Decodes one JSON object into a Go struct's fields the way encoding/json does: exact name first,
 * then a case-insensitive match; unknown keys are ignored; a wrong JSON type is an unmarshal error.
 */
function decodeStruct(value: unknown, goStruct: string, fields: Record<string, Kind>, qualified = goStruct): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new RpcError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${qualified}`);
  const input = value as Record<string, unknown>;
  const keys = Object.keys(input);
  const out: Record<string, unknown> = {};
  const structName = goStruct.includes(".") ? goStruct.slice(goStruct.lastIndexOf(".") + 1) : goStruct;
  for (const [name, kind] of Object.entries(fields)) {
    const key = name in input ? name : keys.find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) continue;
    const v = input[key];
    if (!kindMatches(kind, v)) {
      throw new RpcError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${structName}.${name} of type ${GO_TYPE[kind]}`);
    }
    if (v !== null) out[name] = v;
  }
  return out;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const bool = (v: unknown): boolean => v === true;

/** utils.ParseStringMap: `a;b;!c` → {a:true, b:true, c:false}. */
function parseStringMap(s: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const part of s.split(";")) {
    const p = part.trim();
    if (!p) continue;
    if (p.startsWith("!")) out[p.slice(1)] = false;
    else out[p] = true;
  }
  return out;
}

/** Go's time.ParseDuration for the units CGRateS users write (h, m, s, ms, us, µs, ns), in ms. */
function parseGoDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let sign = 1;
  let rest = s;
  if (rest.startsWith("-")) {
    sign = -1;
    rest = rest.slice(1);
  } else if (rest.startsWith("+")) rest = rest.slice(1);
  if (rest === "0") return 0;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    total += Number(m[1]) * (unit[m[2] ?? "s"] ?? 0);
    consumed = re.lastIndex;
  }
  if (rest === "" || consumed !== rest.length) throw new RpcError(`time: invalid duration "${s}"`);
  return sign * total;
}

const addMonths = (d: Date, months: number) => {
  const r = new Date(d);
  r.setUTCMonth(r.getUTCMonth() + months);
  return r;
};

/** utils.ParseTimeDetectLayout for the layouts an operator uses; returns an RFC 3339 string. */
export function parseExpiryTime(input: string, now = new Date()): string {
  const s = input.trim();
  if (s === "" || s === "*unlimited" || s === "0") return ZERO_TIME;
  const iso = (d: Date) => d.toISOString();
  if (s === "*now") return iso(now);
  if (s === "*daily") return iso(new Date(now.getTime() + 86_400_000));
  if (s === "*monthly") return iso(addMonths(now, 1));
  if (s === "*yearly") return iso(addMonths(now, 12));
  if (s.startsWith("*month_end")) {
    const eom = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - 1000);
    const plus = s.indexOf("+");
    return iso(new Date(eom.getTime() + (plus === -1 ? 0 : parseGoDuration(s.slice(plus + 1)))));
  }
  if (s.startsWith("+")) return iso(new Date(now.getTime() + parseGoDuration(s.slice(1))));
  if (/^\d{10}$/.test(s)) return iso(new Date(Number(s) * 1000));
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}.+$/.test(s) || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(s) || /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s)) {
    const t = Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(s) ? s.replace(" ", "T") : `${s.replace(" ", "T")}Z`);
    if (!Number.isNaN(t)) return iso(new Date(t));
    throw new RpcError(`parsing time "${s}" as "2006-01-02T15:04:05Z07:00": cannot parse "${s}" as "2006"`);
  }
  throw new RpcError("Unsupported time format");
}

type BalanceFilter = {
  uuid?: string;
  id?: string;
  type: string;
  value: number;
  expirationDate?: string;
  weight?: number;
  ratingSubject?: string;
  destinationIDs?: Record<string, boolean>;
  categories?: Record<string, boolean>;
  sharedGroups?: Record<string, boolean>;
  timingIDs?: Record<string, boolean>;
  disabled?: boolean;
  blocker?: boolean;
};

const isExpired = (b: SimBalance, now: number) => {
  const t = Date.parse(b.ExpirationDate);
  return t !== ZERO_MS && t <= now;
};

/** engine.Balance.MatchFilter: Uuid or ID decide alone; otherwise every given field must be equal. */
function matches(b: SimBalance, f: BalanceFilter): boolean {
  if (f.uuid) return b.Uuid === f.uuid;
  if (f.id) return b.ID === f.id;
  if (f.expirationDate !== undefined && Date.parse(b.ExpirationDate) !== Date.parse(f.expirationDate)) return false;
  if (f.weight !== undefined && b.Weight !== f.weight) return false;
  if (f.ratingSubject !== undefined && b.RatingSubject !== f.ratingSubject) return false;
  if (f.disabled !== undefined && b.Disabled !== f.disabled) return false;
  if (f.blocker !== undefined && b.Blocker !== f.blocker) return false;
  return true;
}

function newBalance(f: BalanceFilter, value: number): SimBalance {
  return {
    Uuid: crypto.randomUUID(),
    ID: f.id ?? "",
    Value: value,
    ExpirationDate: f.expirationDate ?? ZERO_TIME,
    Weight: f.weight ?? 0,
    DestinationIDs: f.destinationIDs ?? {},
    RatingSubject: f.ratingSubject ?? "",
    Categories: f.categories ?? {},
    SharedGroups: f.sharedGroups ?? {},
    Timings: null,
    TimingIDs: f.timingIDs ?? {},
    Disabled: f.disabled ?? false,
    Factors: null,
    Blocker: f.blocker ?? false,
  };
}

/** Account.debitBalanceAction: subtract `amount` from every matching live balance, or append one. */
function debitBalances(acc: SimAccount, f: BalanceFilter, amount: number, reset: boolean) {
  acc.BalanceMap ??= {};
  const list = acc.BalanceMap[f.type] ?? [];
  acc.BalanceMap[f.type] = list;
  const now = Date.now();
  let found = false;
  for (const b of list) {
    if (isExpired(b, now) || !matches(b, f)) continue;
    if (reset) b.Value = 0;
    b.Value = round(b.Value - amount);
    found = true;
  }
  if (!found) list.push(newBalance(f, amount === 0 ? 0 : -amount));
}

const round = (n: number) => Math.round(n * 1e9) / 1e9;

type StoredPlan = { Id: string; ActionPlan: SimActionTiming[]; AccountIDs: string[] };

/** Starts the CGRateS simulator on `port` (0 = any free port); JSON-RPC is at `<url>/jsonrpc`. */
export async function startCgratesSimulator(port = 2080, options: CgratesSimulatorOptions = {}): Promise<RunningSimulator> {
  const defaultTenant = options.defaultTenant ?? "cgrates.org";
  let accounts = new Map<string, SimAccount>();
  let accountPlans = new Map<string, string[]>();
  let actions = new Map<string, SimAction[]>();
  let plans = new Map<string, StoredPlan>();
  let cdrs: Record<string, unknown>[] = [];
  let calls: SimCall[] = [];
  let failures: { method: string; times: number; error: string | null; delayMs: number; applied: boolean }[] = [];
  let downUntil = 0;

  const tenantOf = (p: Record<string, unknown>) => str(p.Tenant) || defaultTenant;
  const touch = (acc: SimAccount) => {
    acc.UpdateTime = new Date().toISOString();
  };
  const ensureAccount = (id: string): SimAccount => {
    let acc = accounts.get(id);
    if (!acc) {
      acc = { ID: id, BalanceMap: null, UnitCounters: null, ActionTriggers: null, AllowNegative: false, Disabled: false, UpdateTime: new Date().toISOString() };
      accounts.set(id, acc);
    }
    return acc;
  };

  /** ActionTiming.Execute for one account: all actions by weight, committed only if all succeed. */
  const executeActions = (actionsId: string, accountId: string) => {
    const acts = actions.get(actionsId);
    if (!acts) throw new RpcError("NOT_FOUND");
    const existing = accounts.get(accountId);
    const acc: SimAccount = existing
      ? (structuredClone(existing) as SimAccount)
      : { ID: accountId, BalanceMap: null, UnitCounters: null, ActionTriggers: null, AllowNegative: false, Disabled: false, UpdateTime: "" };
    let removed = false;
    const now = new Date();
    for (const a of [...acts].sort((x, y) => y.Weight - x.Weight)) {
      const f: BalanceFilter = {
        uuid: a.BalanceUuid || undefined,
        id: a.BalanceId || undefined,
        type: a.BalanceType,
        value: Math.abs(a.Units),
        ratingSubject: a.RatingSubject,
        destinationIDs: parseStringMap(a.DestinationIds),
        categories: parseStringMap(a.Categories),
        sharedGroups: parseStringMap(a.SharedGroups),
        timingIDs: parseStringMap(a.TimingTags),
        weight: a.BalanceWeight ?? undefined,
        blocker: a.BalanceBlocker ? a.BalanceBlocker === "true" : undefined,
        disabled: a.BalanceDisabled ? a.BalanceDisabled === "true" : undefined,
      };
      if (a.ExpiryTime) {
        try {
          f.expirationDate = parseExpiryTime(a.ExpiryTime, now);
        } catch {
          // CGRateS ignores an unparsable ExpiryTime at execution time
        }
      }
      switch (a.Identifier) {
        case "*topup":
          debitBalances(acc, f, -f.value, false);
          break;
        case "*topup_reset":
          debitBalances(acc, f, -f.value, true);
          break;
        case "*debit":
          debitBalances(acc, f, f.value, false);
          break;
        case "*debit_reset":
          debitBalances(acc, f, f.value, true);
          break;
        case "*reset_account":
          for (const list of Object.values(acc.BalanceMap ?? {})) for (const b of list) b.Value = 0;
          break;
        case "*remove_balance": {
          const list = acc.BalanceMap?.[f.type] ?? [];
          const keep = list.filter((b) => !matches(b, f));
          if (keep.length === list.length) throw new RpcError("PARTIALLY_EXECUTED");
          if (acc.BalanceMap) acc.BalanceMap[f.type] = keep;
          break;
        }
        case "*enable_account":
          acc.Disabled = false;
          break;
        case "*disable_account":
          acc.Disabled = true;
          break;
        case "*allow_negative":
          acc.AllowNegative = true;
          break;
        case "*deny_negative":
          acc.AllowNegative = false;
          break;
        case "*remove_account":
          removed = true;
          break;
        case "*log":
        case "*cdrlog":
          break;
        default:
          throw new RpcError("PARTIALLY_EXECUTED");
      }
    }
    if (removed) {
      accounts.delete(accountId);
      accountPlans.delete(accountId);
      return;
    }
    touch(acc);
    accounts.set(accountId, acc);
  };

  const modifyBalance = (p: Record<string, unknown>, debit: boolean) => {
    const missing = ["Account", "BalanceType", "Value"].filter((k) => !p[k]);
    if (missing.length) throw mandatoryMissing(missing);
    const bal = decodeStruct(
      p.Balance,
      "map[string]interface {}",
      {
        ID: "string",
        UUID: "string",
        ExpiryTime: "string",
        Weight: "number",
        DestinationIDs: "string",
        RatingSubject: "string",
        Categories: "string",
        SharedGroups: "string",
        TimingIDs: "string",
        Disabled: "bool",
        Blocker: "bool",
      },
      "map[string]interface {}",
    );
    const f: BalanceFilter = { type: str(p.BalanceType), value: Math.abs(num(p.Value)) };
    if (bal.ID !== undefined) f.id = str(bal.ID);
    if (bal.UUID !== undefined) f.uuid = str(bal.UUID);
    if (bal.ExpiryTime !== undefined) f.expirationDate = parseExpiryTime(str(bal.ExpiryTime));
    if (bal.Weight !== undefined) f.weight = num(bal.Weight);
    if (bal.RatingSubject !== undefined) f.ratingSubject = str(bal.RatingSubject);
    if (bal.DestinationIDs !== undefined) f.destinationIDs = parseStringMap(str(bal.DestinationIDs));
    if (bal.Categories !== undefined) f.categories = parseStringMap(str(bal.Categories));
    if (bal.SharedGroups !== undefined) f.sharedGroups = parseStringMap(str(bal.SharedGroups));
    if (bal.TimingIDs !== undefined) f.timingIDs = parseStringMap(str(bal.TimingIDs));
    if (bal.Disabled !== undefined) f.disabled = bool(bal.Disabled);
    if (bal.Blocker !== undefined) f.blocker = bool(bal.Blocker);
    const acc = ensureAccount(`${tenantOf(p)}:${str(p.Account)}`);
    debitBalances(acc, f, debit ? f.value : -f.value, bool(p.Overwrite));
    touch(acc);
    return "OK";
  };

  type Method = { struct: string; fields: Record<string, Kind>; run: (p: Record<string, unknown>) => unknown };
  const methods: Record<string, Method> = {
    "APIerSv2.SetAccount": {
      struct: "v2.AttrSetAccount",
      fields: {
        Tenant: "string",
        Account: "string",
        ActionPlanIDs: "strings",
        ActionPlansOverwrite: "bool",
        ActionTriggerIDs: "strings",
        ActionTriggerOverwrite: "bool",
        ExtraOptions: "boolmap",
        ReloadScheduler: "bool",
      },
      run: (p) => {
        if (!p.Account) throw mandatoryMissing(["Account"]);
        const id = `${tenantOf(p)}:${str(p.Account)}`;
        const planIds = (p.ActionPlanIDs as string[] | undefined) ?? [];
        for (const planId of planIds) if (!plans.has(planId)) throw new RpcError("SERVER_ERROR: NOT_FOUND");
        const acc = ensureAccount(id);
        let attached = accountPlans.get(id) ?? [];
        if (bool(p.ActionPlansOverwrite)) {
          for (const old of attached) {
            const plan = plans.get(old);
            if (plan && !planIds.includes(old)) plan.AccountIDs = plan.AccountIDs.filter((a) => a !== id);
          }
          attached = attached.filter((x) => planIds.includes(x));
        }
        for (const planId of planIds) {
          const plan = plans.get(planId);
          if (!plan) continue;
          // *asap timings run at once (the scheduler's task queue); the account joins plans with other timings
          const asap = plan.ActionPlan.filter((t) => t.Time === "*asap");
          for (const t of asap) executeActions(t.ActionsId, id);
          if (asap.length === plan.ActionPlan.length || attached.includes(planId)) continue;
          attached.push(planId);
          if (!plan.AccountIDs.includes(id)) plan.AccountIDs.push(id);
        }
        accountPlans.set(id, attached);
        const current = accounts.get(id) ?? acc;
        const extra = (p.ExtraOptions as Record<string, boolean> | undefined) ?? {};
        if ("AllowNegative" in extra) current.AllowNegative = extra.AllowNegative === true;
        if ("Disabled" in extra) current.Disabled = extra.Disabled === true;
        touch(current);
        accounts.set(id, current);
        return "OK";
      },
    },
    "APIerSv1.RemoveAccount": {
      struct: "utils.AttrRemoveAccount",
      fields: { Tenant: "string", Account: "string", ReloadScheduler: "bool" },
      run: (p) => {
        if (!p.Account) throw mandatoryMissing(["Account"]);
        const id = `${tenantOf(p)}:${str(p.Account)}`;
        // With CGRateS' default redis (or internal) data_db, removing a missing account answers OK.
        accounts.delete(id);
        for (const plan of plans.values()) plan.AccountIDs = plan.AccountIDs.filter((a) => a !== id);
        accountPlans.delete(id);
        return "OK";
      },
    },
    "APIerSv2.GetAccount": {
      struct: "utils.AttrGetAccount",
      fields: { Tenant: "string", Account: "string" },
      run: (p) => {
        const acc = accounts.get(`${tenantOf(p)}:${str(p.Account)}`);
        if (!acc) throw new RpcError("NOT_FOUND");
        return acc;
      },
    },
    "APIerSv1.AddBalance": {
      struct: "v1.AttrAddBalance",
      fields: {
        Tenant: "string",
        Account: "string",
        BalanceType: "string",
        Value: "number",
        Balance: "object",
        ActionExtraData: "object",
        Overwrite: "bool",
        Cdrlog: "bool",
      },
      run: (p) => modifyBalance(p, false),
    },
    "APIerSv1.DebitBalance": {
      struct: "v1.AttrAddBalance",
      fields: {
        Tenant: "string",
        Account: "string",
        BalanceType: "string",
        Value: "number",
        Balance: "object",
        ActionExtraData: "object",
        Overwrite: "bool",
        Cdrlog: "bool",
      },
      run: (p) => modifyBalance(p, true),
    },
    "APIerSv1.SetActions": {
      struct: "v1.V1AttrSetActions",
      fields: { ActionsId: "string", Overwrite: "bool", Actions: "array" },
      run: (p) => {
        const list = (p.Actions as unknown[] | undefined) ?? [];
        const missing = [...(p.ActionsId ? [] : ["ActionsId"]), ...(list.length ? [] : ["Actions"])];
        if (missing.length) throw mandatoryMissing(missing);
        const decoded: SimAction[] = list.map((raw) => {
          const a = decodeStruct(raw, "v1.V1TPAction", {
            Identifier: "string",
            BalanceId: "string",
            BalanceUuid: "string",
            BalanceType: "string",
            Units: "number",
            ExpiryTime: "string",
            Filter: "string",
            TimingTags: "string",
            DestinationIds: "string",
            RatingSubject: "string",
            Categories: "string",
            SharedGroups: "string",
            BalanceWeight: "number",
            ExtraParameters: "string",
            BalanceBlocker: "string",
            BalanceDisabled: "string",
            Weight: "number",
          });
          const required = ["Identifier", "Weight", ...(a.BalanceType ? ["Units"] : [])];
          const miss = required.filter((k) => !a[k]);
          if (miss.length) throw new RpcError(`${MANDATORY}:Action:${str(a.Identifier)}:[${miss.join(" ")}]`);
          for (const k of ["BalanceBlocker", "BalanceDisabled"] as const) {
            const v = str(a[k]);
            if (v && !["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"].includes(v))
              throw new RpcError(`strconv.ParseBool: parsing "${v}": invalid syntax`);
          }
          const boolStr = (v: unknown) => (["1", "t", "T", "TRUE", "true", "True"].includes(str(v)) ? "true" : str(v) ? "false" : "");
          return {
            Identifier: str(a.Identifier),
            BalanceId: str(a.BalanceId),
            BalanceUuid: str(a.BalanceUuid),
            BalanceType: str(a.BalanceType),
            Units: num(a.Units),
            ExpiryTime: str(a.ExpiryTime),
            Filter: str(a.Filter),
            TimingTags: str(a.TimingTags),
            DestinationIds: str(a.DestinationIds),
            RatingSubject: str(a.RatingSubject),
            Categories: str(a.Categories),
            SharedGroups: str(a.SharedGroups),
            BalanceWeight: typeof a.BalanceWeight === "number" ? a.BalanceWeight : null,
            ExtraParameters: str(a.ExtraParameters),
            BalanceBlocker: boolStr(a.BalanceBlocker),
            BalanceDisabled: boolStr(a.BalanceDisabled),
            Weight: num(a.Weight),
          };
        });
        const id = str(p.ActionsId);
        if (!bool(p.Overwrite) && actions.has(id)) throw new RpcError("EXISTS");
        actions.set(id, decoded);
        return "OK";
      },
    },
    "APIerSv1.ExecuteAction": {
      struct: "utils.AttrExecuteAction",
      fields: { Tenant: "string", Account: "string", ActionsId: "string" },
      run: (p) => {
        const actionsId = str(p.ActionsId);
        if (!actions.has(actionsId)) throw new RpcError("NOT_FOUND");
        if (!p.Account) return "OK"; // account-less execution: nothing the simulator models
        executeActions(actionsId, `${tenantOf(p)}:${str(p.Account)}`);
        return "OK";
      },
    },
    "APIerSv1.SetActionPlan": {
      struct: "v1.AttrSetActionPlan",
      fields: { Id: "string", ActionPlan: "array", Overwrite: "bool", ReloadScheduler: "bool" },
      run: (p) => {
        const list = (p.ActionPlan as unknown[] | undefined) ?? [];
        const missing = [...(p.Id ? [] : ["Id"]), ...(list.length ? [] : ["ActionPlan"])];
        if (missing.length) throw mandatoryMissing(missing);
        const timings: SimActionTiming[] = list.map((raw) => {
          const t = decodeStruct(raw, "v1.AttrActionPlan", {
            ActionsId: "string",
            TimingID: "string",
            Years: "string",
            Months: "string",
            MonthDays: "string",
            WeekDays: "string",
            Time: "string",
            Weight: "number",
          });
          const miss = ["ActionsId", "Time", "Weight"].filter((k) => !t[k]);
          if (miss.length) throw new RpcError(`${MANDATORY}:Action:${str(t.ActionsId)}:[${miss.join(" ")}]`);
          return {
            ActionsId: str(t.ActionsId),
            TimingID: str(t.TimingID),
            Years: str(t.Years),
            Months: str(t.Months),
            MonthDays: str(t.MonthDays),
            WeekDays: str(t.WeekDays),
            Time: str(t.Time),
            Weight: num(t.Weight),
          };
        });
        const id = str(p.Id);
        const prev = plans.get(id);
        if (prev && !bool(p.Overwrite)) throw new RpcError("EXISTS");
        for (const t of timings) {
          if (!actions.has(t.ActionsId)) throw new RpcError(`BROKEN_REFERENCE:${t.ActionsId}`);
          const fixed = ["*every_minute", "*hourly", "*daily", "*weekly", "*monthly", "*monthly_estimated", "*month_end", "*yearly", "*asap", ""];
          if (!fixed.includes(t.Time) && !t.Time.startsWith("+") && !/^\d+:\d+:\d+$/.test(t.Time)) throw new RpcError(`UNSUPPORTED_FORMAT:${t.Time}`);
        }
        // Overwriting a plan detaches its accounts, as CGRateS does (RemAccountActionPlans).
        if (prev)
          for (const acc of prev.AccountIDs)
            accountPlans.set(
              acc,
              (accountPlans.get(acc) ?? []).filter((x) => x !== id),
            );
        plans.set(id, { Id: id, ActionPlan: timings, AccountIDs: [] });
        return "OK";
      },
    },
    "APIerSv2.GetCDRs": {
      struct: "utils.RPCCDRsFilter",
      fields: {
        CGRIDs: "strings",
        RunIDs: "strings",
        OriginIDs: "strings",
        ToRs: "strings",
        Tenants: "strings",
        Categories: "strings",
        Accounts: "strings",
        Subjects: "strings",
        SetupTimeStart: "string",
        SetupTimeEnd: "string",
        AnswerTimeStart: "string",
        AnswerTimeEnd: "string",
        OrderBy: "string",
        Limit: "intptr",
        Offset: "intptr",
      },
      run: (p) => {
        const inList = (field: string, values: unknown) => (cdr: Record<string, unknown>) =>
          !Array.isArray(values) || values.length === 0 || values.includes(cdr[field]);
        const timeBound = (field: string, start: unknown, end: unknown) => {
          const s = str(start) ? Date.parse(parseExpiryTime(str(start))) : null;
          const e = str(end) ? Date.parse(parseExpiryTime(str(end))) : null;
          return (cdr: Record<string, unknown>) => {
            const t = Date.parse(str(cdr[field]));
            return (s === null || t >= s) && (e === null || t < e);
          };
        };
        const filters = [
          inList("CGRID", p.CGRIDs),
          inList("RunID", p.RunIDs),
          inList("OriginID", p.OriginIDs),
          inList("ToR", p.ToRs),
          inList("Tenant", p.Tenants),
          inList("Category", p.Categories),
          inList("Account", p.Accounts),
          inList("Subject", p.Subjects),
          timeBound("SetupTime", p.SetupTimeStart, p.SetupTimeEnd),
          timeBound("AnswerTime", p.AnswerTimeStart, p.AnswerTimeEnd),
        ];
        let result = cdrs.filter((c) => filters.every((f) => f(c)));
        const [orderField, direction] = str(p.OrderBy).split(";");
        if (orderField) {
          const key = (c: Record<string, unknown>) => {
            const v = c[orderField];
            return typeof v === "number" ? v : orderField.endsWith("Time") ? Date.parse(str(v)) : Number(v) || 0;
          };
          result = [...result].sort((a, b) => key(a) - key(b));
          if (direction === "desc") result.reverse();
        }
        const offset = num(p.Offset);
        result = result.slice(offset, p.Limit === undefined ? undefined : offset + num(p.Limit));
        if (result.length === 0) throw new RpcError("NOT_FOUND");
        return result;
      },
    },
  };

  const rpc = (id: unknown, result: unknown, error: string | null): SimResponse => ({
    status: 200,
    body: `${JSON.stringify({ id: id === undefined ? null : id, result: error === null ? result : null, error })}\n`,
  });

  const handleRpc = async (req: SimRequest): Promise<SimResponse> => {
    if (req.method !== "POST") return { status: 405, body: "Method Not Allowed\n", headers: { "Content-Type": "text/plain; charset=utf-8" } };
    if (options.basicAuth) {
      const expected = `Basic ${Buffer.from(`${options.basicAuth.user}:${options.basicAuth.password}`).toString("base64")}`;
      if (req.headers.authorization !== expected)
        return {
          status: 401,
          body: "Not authorized\n",
          headers: { "Content-Type": "text/plain; charset=utf-8", "WWW-Authenticate": 'Basic realm="Restricted"', "X-Content-Type-Options": "nosniff" },
        };
    }
    if (Date.now() < downUntil) return { status: 503, body: "Service Unavailable\n", headers: { "Content-Type": "text/plain; charset=utf-8" } };
    let body: { method?: unknown; params?: unknown; id?: unknown };
    try {
      body = JSON.parse(req.body);
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    } catch {
      return { status: 200, body: "" };
    }
    const name = typeof body.method === "string" ? body.method : "";
    const call: SimCall = { method: name, params: body.params ?? null, at: new Date().toISOString(), error: null };
    calls.push(call);
    const answer = (result: unknown, error: string | null) => {
      call.error = error;
      return rpc(body.id, result, error);
    };
    const dot = name.lastIndexOf(".");
    if (dot < 0) return answer(null, `rpc: service/method request ill-formed: ${name}`);
    const method = methods[name];
    if (!method) {
      const service = name.slice(0, dot);
      const known = Object.keys(methods).some((m) => m.startsWith(`${service}.`));
      return answer(null, known ? `rpc: can't find method ${name}` : `rpc: can't find service ${name}`);
    }
    if (!Array.isArray(body.params)) {
      if (body.params === undefined || body.params === null) return answer(null, "jsonrpc: request body missing params");
      return answer(null, `json: cannot unmarshal ${jsonKind(body.params)} into Go value of type [1]interface {}`);
    }
    const failure = failures.find((f) => f.method === name || f.method === "*");
    if (failure) {
      failure.times--;
      if (failure.times <= 0) failures = failures.filter((f) => f !== failure);
      if (failure.delayMs > 0) await new Promise((r) => setTimeout(r, failure.delayMs));
      if (failure.error !== null && !failure.applied) return answer(null, failure.error);
    }
    let result: unknown;
    let error: string | null = null;
    try {
      const params = decodeStruct(body.params[0], method.struct, method.fields);
      result = structuredClone(method.run(params));
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
      error = e.message;
    }
    if (failure?.error && failure.applied) return answer(null, failure.error);
    return answer(result, error);
  };

  const handler = async (req: SimRequest): Promise<SimResponse> => {
    const path = req.url.pathname;
    if (path === "/jsonrpc") return handleRpc(req);
    if (req.method === "POST" && path === "/_sim/cdrs") {
      const list = JSON.parse(req.body || "[]") as Record<string, unknown>[];
      if (!Array.isArray(list)) return { status: 400, body: { error: "expected an array of CDRs" } };
      for (const c of list) {
        cdrs.push({
          CGRID: crypto.randomUUID().replaceAll("-", ""),
          RunID: "*default",
          OrderID: cdrs.length + 1,
          OriginHost: "",
          Source: "",
          OriginID: "",
          ToR: "*voice",
          RequestType: "*prepaid",
          Tenant: defaultTenant,
          Category: "call",
          Account: "",
          Subject: str(c.Account),
          Destination: "",
          SetupTime: ZERO_TIME,
          AnswerTime: ZERO_TIME,
          Usage: "0s",
          ExtraFields: {},
          CostSource: "",
          Cost: 0,
          CostDetails: null,
          ExtraInfo: "",
          PreRated: false,
          ...c,
        });
      }
      return { status: 200, body: { stored: list.length, total: cdrs.length } };
    }
    if (req.method === "POST" && path === "/_sim/fail") {
      const spec = JSON.parse(req.body || "{}") as { method?: string; times?: number; error?: string; delayMs?: number; applied?: boolean };
      if (!spec.method) return { status: 400, body: { error: "method is required" } };
      const delayMs = spec.delayMs ?? 0;
      failures.push({
        method: spec.method,
        times: spec.times ?? 1,
        error: spec.error ?? (delayMs > 0 ? null : "SERVER_ERROR"),
        delayMs,
        applied: spec.applied === true,
      });
      return { status: 200, body: { failures } };
    }
    if (req.method === "POST" && path === "/_sim/down") {
      const spec = JSON.parse(req.body || "{}") as { seconds?: number };
      downUntil = Date.now() + (spec.seconds ?? 0) * 1000;
      return { status: 200, body: { downUntil: new Date(downUntil).toISOString() } };
    }
    return { status: 404, body: "404 page not found\n", headers: { "Content-Type": "text/plain; charset=utf-8" } };
  };

  return serve(
    "cgrates",
    port,
    handler,
    () => ({
      accounts: Object.fromEntries(accounts),
      accountActionPlans: Object.fromEntries(accountPlans),
      actions: Object.fromEntries(actions),
      actionPlans: Object.fromEntries(plans),
      cdrs,
      calls,
    }),
    () => {
      accounts = new Map();
      accountPlans = new Map();
      actions = new Map();
      plans = new Map();
      cdrs = [];
      calls = [];
      failures = [];
      downUntil = 0;
    },
  );
}
