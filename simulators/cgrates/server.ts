import { currencyExponent, decimalPlaces } from "../../worker/lib/charging-units";
import { type RunningSimulator, type SimRequest, type SimResponse, serve } from "../lib/server";
import {
  addExact,
  chargeUsage,
  DEFAULT_RATES,
  formatFloat,
  fromScaled,
  goDuration,
  MONEY_SCALE,
  type SimRates,
  sha1,
  USAGE_CATEGORY,
  USAGE_TOR,
  type UsageUnit,
} from "./rating";
import { isValidTime, nextStartTime, riTiming, type SimRITiming, ZERO_TIME } from "./timings";

/**
 * CGRateS simulator: an in-memory engine answering the APIer JSON-RPC methods OmniCRM uses on
 * `POST /jsonrpc`, with the wire behaviour of CGRateS' HTTP listener (Go net/rpc + jsonrpc codec),
 * modelled on CGRateS master (APIerSv1/APIerSv2). It is STRICT where real CGRateS is silently
 * lenient, so that code proven against it is right against the real engine; otherwise it answers
 * as CGRateS does, with CGRateS' own error strings.
 *
 * Wire:
 * - every answer is HTTP 200 `{"id":…,"result":…,"error":null|"<string>"}`; a body that is not JSON
 *   gets HTTP 200 with an empty body (net/rpc drops requests whose header cannot be decoded);
 * - unknown method → `rpc: can't find method <Service.Method>`, unknown service →
 *   `rpc: can't find service <Service.Method>`, no dot → `rpc: service/method request ill-formed: <name>`;
 * - a JSON type mismatch → `json: cannot unmarshal <kind> into Go struct field <Struct>.<Field> of type <type>`;
 * - missing mandatory fields → `MANDATORY_IE_MISSING: [Field …]` (zero values count as missing, as in
 *   `utils.MissingStructFields`); unknown account on GetAccount → `NOT_FOUND`.
 *
 * Strictness (errors start with `SIMULATOR_STRICT:`; a refused call changes nothing):
 * - every params object, and every nested object a method defines (AddBalance's `Balance`, SetActions'
 *   `Actions[]`, SetActionPlan's `ActionPlan[]`, SetAccount's `ExtraOptions` (AllowNegative, Disabled),
 *   SetActionTrigger's `ActionTrigger`, SetAttributeProfile's `Attributes[]` and `ActivationInterval`)
 *   is checked key by key: a key that is not a field of the Go struct (or a key the map is read with) —
 *   a key differing only by letter case included, though Go would accept it — is refused with
 *   `SIMULATOR_STRICT: unknown field "<key>" in <GoType> (real CGRateS ignores it silently)` plus
 *   `; did you mean "<Field>"?` for a case mismatch. `Balance.Factors` is refused as unmodelled;
 *   `Balance.Value` is refused as unknown (CGRateS reads it, then overwrites it with the call's `Value`);
 * - a BalanceType (AddBalance/DebitBalance, SetActions actions, ActionTrigger `BalanceType`) must be one
 *   of `*monetary *data *voice *sms *mms *generic`: `SIMULATOR_STRICT: unknown BalanceType "<x>"`;
 * - every value sent for a balance type (AddBalance/DebitBalance `Value`, SetActions `Units` of an action
 *   with a BalanceType, ActionTrigger `ThresholdValue` with its `BalanceType`) is checked: `*monetary`
 *   has at most the currency's decimals (option `currency`, default EUR: 10.5 ok, 10.005 refused), is
 *   in main units; `*voice` is a whole number of nanoseconds and a non-zero magnitude under 1e9 is
 *   refused as seconds sent for nanoseconds; `*data` and `*sms` are whole numbers;
 * - SetActionPlan timings: `*asap`, the `*every_minute … *yearly` keywords or `hh:mm:ss`, as CGRateS'
 *   verifyFormat (anything else → `UNSUPPORTED_FORMAT:<time>`, "+1h" included);
 * - a `*cdrlog` action's `ExtraParameters` (and AddBalance's `ActionExtraData` with `Cdrlog`) must be a
 *   JSON object of string rules CGRateS master resolves: `~*acnt.<AccountID|Tenant|Account|BalanceType|
 *   BalanceUUID|BalanceID|BalanceValue|DestinationIDs|ExtraParameters|RatingSubject|Category|SharedGroups>`,
 *   `~*act.<ActionID|ActionType|ActionValue>` or static text, `;`-concatenated. A path CGRateS leaves
 *   empty (e.g. `~*act.BalanceID`: master serves the balance under `*acnt`), a CDR field a template cannot
 *   set (SetupTime, AnswerTime, ExtraFields, Partial, PreRated, CostDetails) or a CDR field name with the
 *   wrong case (it would silently become an ExtraField) is refused at SetActions;
 * - SetAttributeProfile: attribute Type one of `*constant *variable *composed *usage_difference *sum
 *   *value_exponent`; a `*string:` filter whose values contain `;` is refused (master separates values
 *   with `|`, so that filter would only match the literal text).
 *
 * Accounts, balances, actions (CGRateS behaviour):
 * - AddBalance, DebitBalance and ExecuteAction create a missing account (as CGRateS does); a `*debit`
 *   may take a balance below zero (CGRateS' debit action never refuses; AllowNegative only matters
 *   for rating). Use `POST /_sim/fail` to exercise refusals such as `INSUFFICIENT_CREDIT`. Balance
 *   arithmetic is exact decimal (0.3 - 0.1 = 0.2). AddBalance with `Cdrlog: true` writes the CDR a
 *   `*cdrlog` action would (with `ActionExtraData` as template overrides);
 * - `APIerSv1.GetActions "<id>"` (a bare string param): `""` → `MANDATORY_IE_MISSING ActionsId: `,
 *   unknown → `SERVER_ERROR: NOT_FOUND`; answers utils.TPAction rows (Units/BalanceWeight as Go's
 *   FormatFloat text, BalanceBlocker/BalanceDisabled "true"/"false", string maps joined by `;` without
 *   their `!`, BalanceUuid ""). `APIerSv1.RemoveActions {ActionIDs}`: missing/null → `NOT_FOUND`, ids
 *   that do not exist are skipped;
 * - `*cdrlog` writes one CDR per action of its set that is a `*debit *debit_reset *topup *topup_reset`
 *   (as CGRateS' cdrLogAction, actions after the `*cdrlog` included, with BalanceValue 0) and one per
 *   balance a `*remove_balance` removed (Cost = its value, ExtraFields.BalanceID; a `*remove_balance`
 *   after the `*cdrlog` fails the set): RunID = the action type, Source `*cdrlog`, OriginHost 127.0.0.1,
 *   RequestType `*none`, ToR = BalanceType, Cost = the action's Units, Usage "1ns", PreRated true.
 *   `~*acnt.BalanceID`/`BalanceUUID` are the action's BalanceId/BalanceUuid (as in CGRateS),
 *   `~*acnt.BalanceValue` the value of the balance after the action. Template fields that are not CDR
 *   fields go to ExtraFields. They are returned by GetCDRs like the others.
 *
 * Scheduler (option `scheduler`, default running; `POST /_sim/scheduler {"running": bool}`):
 * - SetActionPlan stores each timing with a Uuid and its engine.RITiming (keywords anchored at now, UTC);
 *   with `ReloadScheduler: true` and the scheduler off the plan IS saved, then the call answers
 *   `SCHEDULER_NOT_RUNNING`. Overwriting a plan detaches its accounts (RemAccountActionPlans);
 * - SetAccount: unknown plan → `SERVER_ERROR: NOT_FOUND` (nothing saved); `*asap` timings of the named
 *   plans become tasks (a plan whose every timing is ASAP does not keep the account attached);
 *   `schedNeedsReload` when the call attached or detached (ActionPlansOverwrite) a plan or queued a task.
 *   Then `ActionTriggerIDs`: an unknown group → `SERVER_ERROR: NOT_FOUND`, the plan part of the call
 *   being already saved (and its tasks queued) but the account not created/updated (as CGRateS, whose
 *   plan part runs first in its own guard). `ActionTriggerOverwrite` empties the account's triggers
 *   first; a group's triggers are copied on the account unless one with the same group and UniqueID is
 *   there. With `ReloadScheduler`, `schedNeedsReload` and the scheduler off: everything is saved, then
 *   `SCHEDULER_NOT_RUNNING` (a retry with nothing new to attach answers OK);
 * - queued tasks run whenever the simulated scheduler reloads: at the end of every successful SetAccount
 *   and every SetActionPlan with ReloadScheduler while it runs, and when it is switched on. A task whose
 *   account does not exist is dropped (CGRateS logs and skips it);
 * - `GetActionPlan {ID}` ("" or "*" = all; unknown → `NOT_FOUND`) renders engine.ActionPlan;
 *   `RemoveActionPlan {ID}` detaches its accounts; `GetAccountActionPlan {Tenant, Account}` lists each
 *   timing of each attached plan with its NextExecTime (zero time for *asap); a missing Account answers
 *   CGRateS' `MANDATORY_IE_MISSING: [Account ]` (it joins the missing names then passes "" as well).
 *
 * Action triggers:
 * - `SetActionTrigger {GroupID, UniqueID, ActionTrigger}` updates the group's trigger with that UniqueID
 *   or adds one (UniqueID generated when empty; ThresholdType and ThresholdValue mandatory for a new one,
 *   a stricter rule than master, which never asks). Map keys as engine.AttrSetActionTrigger reads them
 *   (Weight included); ThresholdType one of `*min_balance *max_balance *min_event_counter
 *   *max_event_counter *min_balance_counter *max_balance_counter *balance_expired`. `GetActionTriggers
 *   {GroupIDs}` (empty = all, `NOT_FOUND` when nothing) renders engine.ActionTrigger (Balance with every
 *   BalanceFilter field, null when unset); `RemoveActionTrigger {GroupID, UniqueID}` ("" = the group);
 * - simulator rule for firing: after any change of an account's balances (AddBalance, DebitBalance,
 *   ExecuteAction, scheduled actions, `/_sim/usage`), each trigger of the account, by Weight, of type
 *   `*min_balance` (sum of the live — not expired, not disabled — balances of its Balance.Type, and of
 *   its Balance.ID when set, below ThresholdValue) or `*max_balance` (above), active (ActivationDate
 *   passed, ExpirationDate not) and not Executed, fires: Executed becomes true (unless Recurrent, which
 *   fires again at each change while the condition holds, MinSleep apart), LastExecutionTime is set, its
 *   ActionsID set runs on the account, and the firing is listed in `firedTriggers` of `/_sim/state`. A
 *   trigger whose set does not exist is skipped (not marked). An executed trigger is re-armed (Executed
 *   false) at the first evaluation finding the balance back on the other side. A disabled account's
 *   triggers do not fire; the actions a trigger runs do not start another evaluation (one pass per
 *   change, later triggers of the pass seeing their effect). Other threshold types are stored and never fire.
 *
 * Attribute profiles (how traffic carrying an MSISDN/IMSI/username finds the `svc_…` account):
 * - `APIerSv2.SetAttributeProfile` (engine.APIAttributeProfile + APIOpts): `MANDATORY_IE_MISSING: [ID]`;
 *   no Attributes, an attribute without Path or Value → `SERVER_ERROR: MANDATORY_IE_MISSING: [Attributes]`
 *   / `[Path]` / `[Value]` (master's AsAttributeProfile error through APIErrorHandler); empty Tenant =
 *   default; sets or replaces. `APIerSv1.GetAttributeProfile {Tenant, ID}` answers engine.AttributeProfile
 *   as master marshals it: each attribute's Value is config.RSRParsers, `[{"Rules": "…"}]` (split on `;`);
 *   `APIerSv1.RemoveAttributeProfile` → OK or `NOT_FOUND`;
 * - filters understood: `*string:~*req.<Field>:<v1>|<v2>` (any value matching); other filters are stored
 *   and never match; all FilterIDs of a profile must match.
 *
 * Rating, `POST /_sim/usage {identifier, unit: voice|data|sms, amount, destination?, tenant?, at?}`
 * (amount: positive whole seconds | bytes | messages; anything else → 400 naming the field):
 * 1. the account: the tenant's profiles whose Contexts hold `*any` or `*sessions`, active at `at`, whose
 *    FilterIDs all match `{Account: identifier}`; the highest Weight wins; its `*req.Account` `*constant`
 *    attribute is the account. None → 404 `NOT_FOUND: no attribute profile maps <identifier>`; missing
 *    account → 404 `ACCOUNT_NOT_FOUND`; disabled → 403 `ACCOUNT_DISABLED`;
 * 2. units (voice ns, data bytes, sms count) come from the account's balances of that type live at `at`,
 *    highest Weight first then soonest expiry (never-expiring last); the rest is priced with option
 *    `rates` (default 0.10/minute, 0.02/MiB, 0.05/SMS), rounded half up to 4 decimals, and taken from
 *    `*monetary` balances in the same order (in integer 1e-4 units: no drift). Not enough money without
 *    AllowNegative → 402 `INSUFFICIENT_CREDIT`, nothing changed; with it the last monetary balance goes
 *    negative (a `*default` one is created when there is none);
 * 3. a CDR is stored (RunID `*default`, Source `*sim_usage`, RequestType `*postpaid` with AllowNegative
 *    else `*prepaid`, Category call|data|sms, Subject = identifier, Usage a Go duration for voice else
 *    the amount, CostSource `*sessions`, Cost = money charged) whose CostDetails is an EventCost with one
 *    Charge holding one Increment per balance debited and one Accounting entry per increment (Units in
 *    that balance's own unit: ns, bytes, messages or money); AccountSummary.BalanceSummaries lists every
 *    balance touched with Initial (before) and Value (after). INVARIANT: the sum over Charges[].Increments[]
 *    of Accounting[AccountingID].Units × Increment.CompressFactor × Charge.CompressFactor, grouped by the
 *    BalanceSummaries Type of the entry's BalanceUUID, is exactly what left each balance type (Initial -
 *    Value); money increments share the uncovered usage in proportion to what each paid;
 * 4. the account's triggers are evaluated; 5. answer `{account, cdr, cost, debited: [{balanceId,
 *    balanceUuid, type, units}]}`.
 *
 * Simulator endpoints besides `GET /_sim/state` (accounts, accountActionPlans, actions, actionPlans,
 * actionTriggers, attributeProfiles, tasks, scheduler {running}, firedTriggers, currency, rates, cdrs,
 * calls) and `POST /_sim/reset` (everything back to the options' defaults, scheduler included):
 * - `POST /_sim/cdrs` `[ExternalCDR…]` seeds CDRs for `APIerSv2.GetCDRs`;
 * - `POST /_sim/fail` `{method, times?, error?, delayMs?, applied?}`: the next `times` (default 1) calls
 *   of `method` (`*` = any) answer `error` (default `SERVER_ERROR` unless only `delayMs` is given), after
 *   `delayMs` ms; with `applied: true` the call takes effect before the error is returned (a lost reply);
 *   `after: n` lets n matching calls through first (so a test can make the n+1th call hang and kill the caller);
 * - `POST /_sim/down` `{seconds}`: `/jsonrpc` answers HTTP 503 "Service Unavailable" for that long
 *   (`seconds: 0` ends it). The listener stays up, so tests keep access to `/_sim/*`;
 * - `POST /_sim/scheduler {"running": bool}` switches the scheduler (on: runs the queued tasks) and answers
 *   `{running, executed}`;
 * - `POST /_sim/run-action-plan {"Id"}` runs now, for every account attached to the plan, each non-ASAP
 *   timing's action set by timing weight (a timing coming due) and answers `{executed: [{account,
 *   actionsId}]}` (plus `error` for a set that failed); 409 `SCHEDULER_NOT_RUNNING`, 404 `NOT_FOUND`;
 * - `POST /_sim/usage` (above).
 */
export type CgratesSimulatorOptions = {
  /** When set, `/jsonrpc` requires these HTTP basic credentials (401 "Not authorized" otherwise). */
  basicAuth?: { user: string; password: string };
  /** The engine's `general.default_tenant`, used when a request's Tenant is empty. */
  defaultTenant?: string;
  /** ISO 4217 code of the engine's money: `*monetary` values may have at most its decimals (default EUR). */
  currency?: string;
  /** Whether CGRateS' scheduler is running at start and after a reset (default true). */
  scheduler?: boolean;
  /** Prices of `/_sim/usage` for what no bundle covers (default 0.10 per minute, 0.02 per MiB, 0.05 per SMS). */
  rates?: Partial<SimRates>;
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

/** engine.BalanceFilter as CGRateS marshals it: every field, null when unset. */
export type SimBalanceFilter = {
  Uuid: string | null;
  ID: string | null;
  Type: string | null;
  Value: { Method: string; Params: null; Static: number } | null;
  ExpirationDate: string | null;
  Weight: number | null;
  DestinationIDs: Record<string, boolean> | null;
  RatingSubject: string | null;
  Categories: Record<string, boolean> | null;
  SharedGroups: Record<string, boolean> | null;
  TimingIDs: Record<string, boolean> | null;
  Timings: null;
  Disabled: boolean | null;
  Factors: null;
  Blocker: boolean | null;
};

/** engine.ActionTrigger (MinSleep in nanoseconds, times RFC 3339). */
export type SimActionTrigger = {
  ID: string;
  UniqueID: string;
  ThresholdType: string;
  ThresholdValue: number;
  Recurrent: boolean;
  MinSleep: number;
  ExpirationDate: string;
  ActivationDate: string;
  Balance: SimBalanceFilter;
  Weight: number;
  ActionsID: string;
  MinQueuedItems: number;
  Executed: boolean;
  LastExecutionTime: string;
};

/** An account as `APIerSv2.GetAccount` returns it (engine.Account). */
export type SimAccount = {
  ID: string;
  BalanceMap: Record<string, SimBalance[]> | null;
  UnitCounters: null;
  ActionTriggers: SimActionTrigger[] | null;
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

/** One timing of a stored action plan: what SetActionPlan received, its Uuid and the RITiming CGRateS built. */
export type SimActionTiming = {
  Uuid: string;
  ActionsId: string;
  TimingID: string;
  Years: string;
  Months: string;
  MonthDays: string;
  WeekDays: string;
  Time: string;
  Weight: number;
  RITiming: SimRITiming;
};

/** engine.AttributeProfile as master marshals it (GetAttributeProfile). */
export type SimAttributeProfile = {
  Tenant: string;
  ID: string;
  Contexts: string[] | null;
  FilterIDs: string[] | null;
  ActivationInterval: { ActivationTime: string; ExpiryTime: string } | null;
  Attributes: { FilterIDs: string[] | null; Path: string; Type: string; Value: { Rules: string }[] }[];
  Blocker: boolean;
  Weight: number;
};

/** A scheduler task (engine.Task): an ASAP timing waiting for the scheduler. */
export type SimTask = { Uuid: string; AccountID: string; ActionsID: string };

/** One trigger firing, as `/_sim/state` lists it. */
export type SimFiredTrigger = { account: string; groupId: string; uniqueId: string; actionsId: string; value: number; at: string };

/** A JSON-RPC call as the simulator received it. */
export type SimCall = { method: string; params: unknown; at: string; error: string | null };

const ZERO_MS = Date.parse(ZERO_TIME);
const MANDATORY = "MANDATORY_IE_MISSING";
const STRICT = "SIMULATOR_STRICT";

class RpcError extends Error {}

const mandatoryMissing = (fields: string[]) => new RpcError(`${MANDATORY}: [${fields.join(" ")}]`);
const strict = (message: string) => new RpcError(`${STRICT}: ${message}`);

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

/** Refuses every key of `input` that is not one of `known` (exactly): Go would ignore it, or take it case-insensitively. */
function checkKeys(input: Record<string, unknown>, known: readonly string[], goType: string): void {
  for (const key of Object.keys(input)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
    throw strict(`unknown field "${key}" in ${goType} (real CGRateS ignores it silently)${near ? `; did you mean "${near}"?` : ""}`);
  }
}

/**
 * Decodes one JSON object into a Go struct's fields the way encoding/json does (a wrong JSON type is
 * an unmarshal error), except that every key must be a field's exact name (see checkKeys).
 */
function decodeStruct(
  value: unknown,
  goStruct: string,
  fields: Record<string, Kind>,
  opts: { qualified?: string; strictName?: string } = {},
): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  const qualified = opts.qualified ?? goStruct;
  if (typeof value !== "object" || Array.isArray(value)) throw new RpcError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${qualified}`);
  const input = value as Record<string, unknown>;
  checkKeys(input, Object.keys(fields), opts.strictName ?? goStruct);
  const out: Record<string, unknown> = {};
  const structName = goStruct.includes(".") ? goStruct.slice(goStruct.lastIndexOf(".") + 1) : goStruct;
  for (const [name, kind] of Object.entries(fields)) {
    if (!(name in input)) continue;
    const v = input[name];
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
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => str(x)) : []);
const iso = (ms: number) => new Date(ms).toISOString();

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

/** utils.StringMap.String: the keys joined by `;` (negations lose their `!`, as in CGRateS). */
const stringMapText = (m: Record<string, boolean>) => Object.keys(m).join(";");

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

/** Go's time.Time JSON decoding (RFC 3339 only), for ActivationInterval. */
function parseRfc3339(s: string): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s))) return iso(Date.parse(s));
  throw new RpcError(`parsing time "\\"${s}\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "${s}\\"" as "2006"`);
}

// ---- unit strictness ---------------------------------------------------------------------------

const BALANCE_TYPES = ["*monetary", "*data", "*voice", "*sms", "*mms", "*generic"];

function checkBalanceType(type: string): void {
  if (!BALANCE_TYPES.includes(type)) throw strict(`unknown BalanceType "${type}"`);
}

const SYMBOLS: Record<string, string> = { EUR: "€", USD: "$", GBP: "£", JPY: "¥" };

/** The refusals of a value sent for a balance type (see the header). */
function checkUnits(type: string, value: number, currency: string): void {
  const magnitude = Math.abs(value);
  switch (type) {
    case "*monetary": {
      const exponent = currencyExponent(currency);
      const places = decimalPlaces(value);
      if (places > exponent) {
        const code = currency.toUpperCase();
        const sym = SYMBOLS[code] ?? `${code} `;
        const example = exponent === 0 ? `1050 = ${sym}1050` : `10.5 = ${sym}10.${"5".padEnd(exponent, "0")}`;
        throw strict(`*monetary value ${value} has ${places} decimals; ${code} has ${exponent} (CGRateS *monetary is in main units: ${example})`);
      }
      return;
    }
    case "*voice":
      if (!Number.isInteger(value)) throw strict(`*voice value ${value} is not a whole number: *voice is in nanoseconds`);
      if (magnitude > 0 && magnitude < 1e9)
        throw strict(`*voice value ${value} is under one second: *voice is in nanoseconds (${value} s = ${BigInt(value) * 1_000_000_000n})`);
      return;
    case "*data":
    case "*sms":
      if (!Number.isInteger(value)) throw strict(`${type} value ${value} is not a whole number`);
      return;
  }
}

// ---- balances ----------------------------------------------------------------------------------

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

/** Account.debitBalanceAction: subtract `amount` from every matching live balance, or append one; the last balance touched. */
function debitBalances(acc: SimAccount, f: BalanceFilter, amount: number, reset: boolean): SimBalance {
  acc.BalanceMap ??= {};
  const list = acc.BalanceMap[f.type] ?? [];
  acc.BalanceMap[f.type] = list;
  const now = Date.now();
  let last: SimBalance | undefined;
  for (const b of list) {
    if (isExpired(b, now) || !matches(b, f)) continue;
    if (reset) b.Value = 0;
    b.Value = addExact(b.Value, -amount);
    last = b;
  }
  if (!last) {
    last = newBalance(f, amount === 0 ? 0 : -amount);
    list.push(last);
  }
  return last;
}

/** The balance filter an action applies (V1TPAction → engine.BalanceFilter). */
function actionFilter(a: SimAction, now: Date): BalanceFilter {
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
  return f;
}

const blankAction = (identifier: string): SimAction => ({
  Identifier: identifier,
  BalanceId: "",
  BalanceUuid: "",
  BalanceType: "",
  Units: 0,
  ExpiryTime: "",
  Filter: "",
  TimingTags: "",
  DestinationIds: "",
  RatingSubject: "",
  Categories: "",
  SharedGroups: "",
  BalanceWeight: null,
  ExtraParameters: "",
  BalanceBlocker: "",
  BalanceDisabled: "",
  Weight: 0,
});

// ---- *cdrlog templates -------------------------------------------------------------------------

const ACNT_PATHS = [
  "AccountID",
  "Tenant",
  "Account",
  "BalanceType",
  "BalanceUUID",
  "BalanceID",
  "BalanceValue",
  "DestinationIDs",
  "ExtraParameters",
  "RatingSubject",
  "Category",
  "SharedGroups",
];
const ACT_PATHS = ["ActionID", "ActionType", "ActionValue"];
type CdrFieldKind = "string" | "float" | "int" | "duration";
const CDR_SETTABLE: Record<string, CdrFieldKind> = {
  CGRID: "string",
  RunID: "string",
  OrderID: "int",
  OriginHost: "string",
  Source: "string",
  OriginID: "string",
  ToR: "string",
  RequestType: "string",
  Tenant: "string",
  Category: "string",
  Account: "string",
  Subject: "string",
  Destination: "string",
  Usage: "duration",
  ExtraInfo: "string",
  CostSource: "string",
  Cost: "float",
};
const CDR_UNSETTABLE = ["SetupTime", "AnswerTime", "ExtraFields", "Partial", "PreRated", "CostDetails"];
const CDRLOG_ACTIONS = ["*debit", "*debit_reset", "*topup", "*topup_reset", "*remove_balance"];
const DEFAULT_CDRLOG_TEMPLATE: Record<string, string> = {
  ToR: "~*acnt.BalanceType",
  OriginHost: "127.0.0.1",
  RequestType: "*none",
  Tenant: "~*acnt.Tenant",
  Account: "~*acnt.Account",
  Subject: "~*acnt.Account",
  Cost: "~*act.ActionValue",
};

/** Refuses a template field or rule CGRateS master would silently ignore or leave empty. */
function checkCdrlogRule(field: string, rule: string, where: string): void {
  const all = [...Object.keys(CDR_SETTABLE), ...CDR_UNSETTABLE];
  if (CDR_UNSETTABLE.includes(field)) throw strict(`${where} field "${field}" cannot be set by a *cdrlog template (real CGRateS ignores it silently)`);
  const near = all.find((k) => k !== field && k.toLowerCase() === field.toLowerCase());
  if (near) throw strict(`${where} field "${field}" would become an ExtraField in real CGRateS; did you mean "${near}"?`);
  for (const part of rule.split(";")) {
    if (!part.startsWith("~")) continue;
    const m = /^~\*(acnt|act)\.([A-Za-z]+)$/.exec(part);
    const [scope, name] = m ? [m[1], m[2] ?? ""] : ["", ""];
    if (scope === "acnt" && ACNT_PATHS.includes(name)) continue;
    if (scope === "act" && ACT_PATHS.includes(name)) continue;
    const other = scope === "act" && ACNT_PATHS.includes(name) ? `~*acnt.${name}` : scope === "acnt" && ACT_PATHS.includes(name) ? `~*act.${name}` : "";
    if (other) throw strict(`${where} field "${field}": "${part}" is empty in real CGRateS; did you mean "${other}"?`);
    throw strict(
      `${where} field "${field}": unsupported path "${part}" (real CGRateS leaves it empty; use ~*acnt.<${ACNT_PATHS.join("|")}> or ~*act.<${ACT_PATHS.join("|")}>)`,
    );
  }
}

/** A *cdrlog action's ExtraParameters: a JSON object of string rules (validated). */
function parseCdrlogParams(extra: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(extra);
  } catch (e) {
    throw strict(`*cdrlog ExtraParameters is not JSON (${(e as Error).message}); real CGRateS fails the action when it runs`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === "string"))
    throw strict(`*cdrlog ExtraParameters must be a JSON object of strings (real CGRateS fails the action when it runs): ${extra}`);
  const template = parsed as Record<string, string>;
  for (const [field, rule] of Object.entries(template)) checkCdrlogRule(field, rule, "*cdrlog template");
  return template;
}

/** AddBalance's ActionExtraData as *cdrlog template overrides (utils.IfaceAsString of each value). */
function extraDataTemplate(extra: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(extra ?? {})) {
    const text = typeof v === "string" ? v : typeof v === "number" ? formatFloat(v) : v === null ? "" : typeof v === "boolean" ? String(v) : JSON.stringify(v);
    checkCdrlogRule(k, text, "ActionExtraData");
    out[k] = text;
  }
  return out;
}

// ---- action triggers ---------------------------------------------------------------------------

const THRESHOLD_TYPES = [
  "*min_balance",
  "*max_balance",
  "*min_event_counter",
  "*max_event_counter",
  "*min_balance_counter",
  "*max_balance_counter",
  "*balance_expired",
];
const TRIGGER_KEYS = [
  "ThresholdType",
  "ThresholdValue",
  "Recurrent",
  "Executed",
  "MinSleep",
  "ExpirationDate",
  "ActivationDate",
  "BalanceID",
  "BalanceType",
  "BalanceDestinationIds",
  "BalanceWeight",
  "BalanceExpirationDate",
  "BalanceTimingTags",
  "BalanceRatingSubject",
  "BalanceCategories",
  "BalanceSharedGroups",
  "BalanceBlocker",
  "BalanceDisabled",
  "MinQueuedItems",
  "ActionsID",
  "Weight",
];

const emptyBalanceFilter = (): SimBalanceFilter => ({
  Uuid: null,
  ID: null,
  Type: null,
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
});

const ifaceString = (v: unknown): string =>
  typeof v === "string"
    ? v
    : typeof v === "number"
      ? formatFloat(v)
      : typeof v === "boolean"
        ? String(v)
        : v === null || v === undefined
          ? ""
          : JSON.stringify(v);

function ifaceFloat(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim())) return Number(v);
    throw new RpcError(`strconv.ParseFloat: parsing "${v}": invalid syntax`);
  }
  throw new RpcError(`cannot convert field: ${ifaceString(v)} to float64`);
}

function ifaceBool(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") {
    if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
    throw new RpcError(`strconv.ParseBool: parsing "${v}": invalid syntax`);
  }
  throw new RpcError(`cannot convert field: ${ifaceString(v)} to bool`);
}

function ifaceDurationNs(v: unknown): number {
  if (typeof v === "number") return Math.trunc(v);
  if (typeof v === "string") return /^[+-]?\d+$/.test(v.trim()) ? Number(v) : Math.round(parseGoDuration(v.trim()) * 1e6);
  throw new RpcError(`cannot convert field: ${ifaceString(v)} to time.Duration`);
}

function ifaceTime(v: unknown): string {
  if (typeof v === "string") return parseExpiryTime(v);
  throw new RpcError(`cannot convert field: ${ifaceString(v)} to time.Time`);
}

function ifaceStringMap(v: unknown): Record<string, boolean> {
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return parseStringMap(v.join(";"));
  throw new RpcError(`cannot convert field: ${ifaceString(v)} to []string`);
}

/** engine.AttrSetActionTrigger.UpdateActionTrigger on a copy, then the simulator's checks. */
function updateTrigger(t: SimActionTrigger, m: Record<string, unknown>, currency: string): void {
  const has = (k: string) => k in m;
  if (has("ThresholdType")) t.ThresholdType = ifaceString(m.ThresholdType);
  if (has("ThresholdValue")) t.ThresholdValue = ifaceFloat(m.ThresholdValue);
  if (has("Recurrent")) t.Recurrent = ifaceBool(m.Recurrent);
  if (has("Executed")) t.Executed = ifaceBool(m.Executed);
  if (has("MinSleep")) t.MinSleep = ifaceDurationNs(m.MinSleep);
  if (has("ExpirationDate")) t.ExpirationDate = ifaceTime(m.ExpirationDate);
  if (has("ActivationDate")) t.ActivationDate = ifaceTime(m.ActivationDate);
  const b = t.Balance;
  if (has("BalanceID")) b.ID = ifaceString(m.BalanceID);
  if (has("BalanceType")) b.Type = ifaceString(m.BalanceType);
  if (has("BalanceDestinationIds")) b.DestinationIDs = ifaceStringMap(m.BalanceDestinationIds);
  if (has("BalanceWeight")) b.Weight = ifaceFloat(m.BalanceWeight);
  if (has("BalanceExpirationDate")) b.ExpirationDate = ifaceTime(m.BalanceExpirationDate);
  if (has("BalanceTimingTags")) b.TimingIDs = ifaceStringMap(m.BalanceTimingTags);
  if (has("BalanceRatingSubject")) b.RatingSubject = ifaceString(m.BalanceRatingSubject);
  if (has("BalanceCategories")) b.Categories = ifaceStringMap(m.BalanceCategories);
  if (has("BalanceSharedGroups")) b.SharedGroups = ifaceStringMap(m.BalanceSharedGroups);
  if (has("BalanceBlocker")) b.Blocker = ifaceBool(m.BalanceBlocker);
  if (has("BalanceDisabled")) b.Disabled = ifaceBool(m.BalanceDisabled);
  if (has("MinQueuedItems")) t.MinQueuedItems = Math.trunc(ifaceFloat(m.MinQueuedItems));
  if (has("ActionsID")) t.ActionsID = ifaceString(m.ActionsID);
  if (has("Weight")) t.Weight = ifaceFloat(m.Weight);
  if (!THRESHOLD_TYPES.includes(t.ThresholdType)) throw strict(`unknown ThresholdType "${t.ThresholdType}" (one of ${THRESHOLD_TYPES.join(" ")})`);
  if (b.Type !== null) {
    checkBalanceType(b.Type);
    if (has("ThresholdValue") || has("BalanceType")) checkUnits(b.Type, t.ThresholdValue, currency);
  }
}

// ---- attribute profiles ------------------------------------------------------------------------

const ATTRIBUTE_TYPES = ["*constant", "*variable", "*composed", "*usage_difference", "*sum", "*value_exponent"];

/** A `*string:~*req.<Field>:<v1>|<v2>` filter against an event; other filters never match. */
function filterMatches(filter: string, event: Record<string, string>): boolean {
  const m = /^\*string:~\*req\.([^:]+):(.*)$/.exec(filter);
  if (!m) return false;
  const value = event[m[1] ?? ""];
  return value !== undefined && (m[2] ?? "").split("|").includes(value);
}

function checkFilter(filter: string): void {
  const m = /^\*string:([^:]*):(.*)$/.exec(filter);
  if (m?.[2]?.includes(";"))
    throw strict(`filter "${filter}": CGRateS master separates *string values with "|", not ";" (this filter would only match the literal text "${m[2]}")`);
}

// ---- the simulator -----------------------------------------------------------------------------

type StoredPlan = { Id: string; ActionPlan: SimActionTiming[]; AccountIDs: string[] };
type ActionStep = { action: SimAction; filter: BalanceFilter };
type Executed = { account: string; actionsId: string; error?: string };

const USAGE_KEYS = ["identifier", "unit", "amount", "destination", "tenant", "at"];

/** Starts the CGRateS simulator on `port` (0 = any free port); JSON-RPC is at `<url>/jsonrpc`. */
export async function startCgratesSimulator(port = 2080, options: CgratesSimulatorOptions = {}): Promise<RunningSimulator> {
  const defaultTenant = options.defaultTenant ?? "cgrates.org";
  const currency = (options.currency ?? "EUR").toUpperCase();
  currencyExponent(currency); // refuses a code that is not ISO 4217-shaped
  const rates: SimRates = { ...DEFAULT_RATES, ...options.rates };
  for (const [k, v] of Object.entries(rates))
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RangeError(`rates.${k} must be a non-negative number, not ${v}`);
  let accounts = new Map<string, SimAccount>();
  let accountPlans = new Map<string, string[]>();
  let actions = new Map<string, SimAction[]>();
  let plans = new Map<string, StoredPlan>();
  let actionTriggers = new Map<string, SimActionTrigger[]>();
  let attributeProfiles = new Map<string, SimAttributeProfile>();
  let tasks: SimTask[] = [];
  let schedulerRunning = options.scheduler ?? true;
  let firedTriggers: SimFiredTrigger[] = [];
  let cdrs: Record<string, unknown>[] = [];
  let calls: SimCall[] = [];
  let failures: { method: string; times: number; error: string | null; delayMs: number; applied: boolean; after: number }[] = [];
  let downUntil = 0;

  const tenantOf = (p: Record<string, unknown>) => str(p.Tenant) || defaultTenant;
  const touch = (acc: SimAccount) => {
    acc.UpdateTime = new Date().toISOString();
  };
  const blankAccount = (id: string): SimAccount => ({
    ID: id,
    BalanceMap: null,
    UnitCounters: null,
    ActionTriggers: null,
    AllowNegative: false,
    Disabled: false,
    UpdateTime: new Date().toISOString(),
  });
  const splitAccount = (id: string) => {
    const i = id.indexOf(":");
    return { tenant: id.slice(0, i), account: id.slice(i + 1) };
  };
  const storeCdr = (cdr: Record<string, unknown>) => {
    cdr.OrderID = cdrs.length + 1;
    cdrs.push(cdr);
  };

  /** The CDRs a *cdrlog action writes for the actions of its set (see the header). */
  const cdrlogCdrs = (
    accountId: string,
    actionsId: string,
    steps: ActionStep[],
    results: ({ balanceValue: number; removed?: { b: SimBalance; type: string }[] } | undefined)[],
    template: Record<string, string>,
  ): Record<string, unknown>[] => {
    const { tenant, account } = splitAccount(accountId);
    const now = new Date().toISOString();
    const out: Record<string, unknown>[] = [];
    steps.forEach(({ action: a }, i) => {
      if (!CDRLOG_ACTIONS.includes(a.Identifier)) return;
      const balanceValue = results[i]?.balanceValue ?? 0;
      const resolve = (part: string): string => {
        const m = /^~\*(acnt|act)\.([A-Za-z]+)$/.exec(part);
        if (!m) return part;
        const values: Record<string, string> = {
          "acnt.AccountID": accountId,
          "acnt.Tenant": tenant,
          "acnt.Account": account,
          "acnt.BalanceType": a.BalanceType,
          "acnt.BalanceUUID": a.BalanceUuid,
          "acnt.BalanceID": a.BalanceId,
          "acnt.BalanceValue": formatFloat(balanceValue),
          "acnt.DestinationIDs": stringMapText(parseStringMap(a.DestinationIds)),
          "acnt.ExtraParameters": a.ExtraParameters,
          "acnt.RatingSubject": a.RatingSubject,
          "acnt.Category": stringMapText(parseStringMap(a.Categories)),
          "acnt.SharedGroups": stringMapText(parseStringMap(a.SharedGroups)),
          "act.ActionID": actionsId,
          "act.ActionType": a.Identifier,
          "act.ActionValue": formatFloat(a.Units),
        };
        return values[`${m[1]}.${m[2]}`] ?? "";
      };
      const originId = crypto.randomUUID();
      const cdr: Record<string, unknown> = {
        CGRID: sha1(originId, ""),
        RunID: a.Identifier,
        OrderID: 0,
        OriginHost: "",
        Source: "*cdrlog",
        OriginID: originId,
        ToR: "",
        RequestType: "",
        Tenant: "",
        Category: "",
        Account: "",
        Subject: "",
        Destination: "",
        SetupTime: now,
        AnswerTime: now,
        Usage: "1ns",
        ExtraFields: {} as Record<string, string>,
        ExtraInfo: "",
        CostSource: "",
        Cost: 0,
        CostDetails: null,
        PreRated: true,
      };
      const extra = cdr.ExtraFields as Record<string, string>;
      for (const [field, rule] of Object.entries(template)) {
        const value = rule.split(";").map(resolve).join("");
        const kind = CDR_SETTABLE[field];
        if (kind === "string") cdr[field] = value;
        else if (kind === "float") {
          if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) cdr[field] = Number(value);
        } else if (kind === "duration") {
          if (/^[+-]?\d+$/.test(value)) cdr[field] = goDuration(BigInt(value));
        } else if (kind === "int") {
          // OrderID is the CDR store's sequence
        } else extra[field] = value;
      }
      if (a.Identifier === "*remove_balance") {
        const removed = results[i]?.removed;
        if (!removed) throw new RpcError("PARTIALLY_EXECUTED"); // CGRateS: NOT_FOUND from cdrLogAction
        for (const { b, type } of removed) {
          const id = crypto.randomUUID();
          out.push({ ...cdr, OriginID: id, CGRID: sha1(id, str(cdr.OriginHost)), ToR: type, Cost: b.Value, ExtraFields: { ...extra, BalanceID: b.ID } });
        }
        return;
      }
      out.push(cdr);
    });
    return out;
  };

  /** ActionTiming.Execute for one account: steps by weight, committed only if all succeed. */
  const applyActions = (actionsId: string, steps: ActionStep[], accountId: string, extraData?: Record<string, unknown>) => {
    const existing = accounts.get(accountId);
    const acc: SimAccount = existing ? (structuredClone(existing) as SimAccount) : { ...blankAccount(accountId), UpdateTime: "" };
    let removed = false;
    const sorted = steps
      .map((s, i) => ({ s, i }))
      .sort((x, y) => y.s.action.Weight - x.s.action.Weight || x.i - y.i)
      .map(({ s }) => s);
    const results: ({ balanceValue: number; removed?: { b: SimBalance; type: string }[] } | undefined)[] = [];
    const pendingCdrs: Record<string, unknown>[] = [];
    sorted.forEach(({ action: a, filter: f }, i) => {
      switch (a.Identifier) {
        case "*topup":
          results[i] = { balanceValue: debitBalances(acc, f, -f.value, false).Value };
          break;
        case "*topup_reset":
          results[i] = { balanceValue: debitBalances(acc, f, -f.value, true).Value };
          break;
        case "*debit":
          results[i] = { balanceValue: debitBalances(acc, f, f.value, false).Value };
          break;
        case "*debit_reset":
          results[i] = { balanceValue: debitBalances(acc, f, f.value, true).Value };
          break;
        case "*reset_account":
          for (const list of Object.values(acc.BalanceMap ?? {})) for (const b of list) b.Value = 0;
          break;
        case "*remove_balance": {
          const list = acc.BalanceMap?.[f.type] ?? [];
          const keep = list.filter((b) => !matches(b, f));
          if (keep.length === list.length) throw new RpcError("PARTIALLY_EXECUTED");
          results[i] = { balanceValue: 0, removed: list.filter((b) => matches(b, f)).map((b) => ({ b, type: f.type })) };
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
          break;
        case "*cdrlog": {
          const template = { ...DEFAULT_CDRLOG_TEMPLATE, ...(a.ExtraParameters ? parseCdrlogParams(a.ExtraParameters) : {}), ...extraDataTemplate(extraData) };
          pendingCdrs.push(...cdrlogCdrs(accountId, actionsId, sorted, results, template));
          break;
        }
        default:
          throw new RpcError("PARTIALLY_EXECUTED");
      }
    });
    for (const cdr of pendingCdrs) storeCdr(cdr);
    if (removed) {
      accounts.delete(accountId);
      accountPlans.delete(accountId);
      return;
    }
    touch(acc);
    accounts.set(accountId, acc);
  };

  const executeActions = (actionsId: string, accountId: string) => {
    const acts = actions.get(actionsId);
    if (!acts) throw new RpcError("NOT_FOUND");
    const now = new Date();
    applyActions(
      actionsId,
      acts.map((a) => ({ action: a, filter: actionFilter(a, now) })),
      accountId,
    );
  };

  /** The simulator's trigger rule (see the header), after a change of the account's balances. */
  const evaluateTriggers = (accountId: string) => {
    const first = accounts.get(accountId);
    if (!first?.ActionTriggers?.length) return;
    const order = first.ActionTriggers.map((t, i) => ({ t, i }))
      .sort((x, y) => y.t.Weight - x.t.Weight || x.i - y.i)
      .map(({ t }) => [t.ID, t.UniqueID] as const);
    for (const [groupId, uniqueId] of order) {
      const acc = accounts.get(accountId);
      if (!acc || acc.Disabled) return;
      const t = acc.ActionTriggers?.find((x) => x.ID === groupId && x.UniqueID === uniqueId);
      const type = t?.Balance.Type;
      if (!t || !type || (t.ThresholdType !== "*min_balance" && t.ThresholdType !== "*max_balance")) continue;
      const now = Date.now();
      const activation = Date.parse(t.ActivationDate);
      const expiration = Date.parse(t.ExpirationDate);
      if ((activation !== ZERO_MS && activation > now) || (expiration !== ZERO_MS && expiration <= now)) continue;
      let sum = 0;
      for (const b of acc.BalanceMap?.[type] ?? [])
        if (!isExpired(b, now) && !b.Disabled && (t.Balance.ID === null || t.Balance.ID === b.ID)) sum = addExact(sum, b.Value);
      const crossed = t.ThresholdType === "*min_balance" ? sum < t.ThresholdValue : sum > t.ThresholdValue;
      if (t.Executed) {
        if (!crossed && !t.Recurrent) t.Executed = false;
        continue;
      }
      if (!crossed || !actions.has(t.ActionsID)) continue;
      const last = Date.parse(t.LastExecutionTime);
      if (t.Recurrent && last !== ZERO_MS && (now - last) * 1e6 < t.MinSleep) continue;
      t.LastExecutionTime = iso(now);
      if (!t.Recurrent) t.Executed = true;
      firedTriggers.push({ account: accountId, groupId, uniqueId, actionsId: t.ActionsID, value: sum, at: t.LastExecutionTime });
      try {
        executeActions(t.ActionsID, accountId);
      } catch (e) {
        if (!(e instanceof RpcError)) throw e; // CGRateS logs a failed trigger action and goes on
      }
    }
  };

  /** The scheduler's reload: runs every queued task (a task whose account is gone is dropped). */
  const drainTasks = (): Executed[] => {
    const queue = tasks;
    tasks = [];
    const done: Executed[] = [];
    for (const t of queue) {
      if (!accounts.has(t.AccountID)) continue;
      try {
        executeActions(t.ActionsID, t.AccountID);
        evaluateTriggers(t.AccountID);
        done.push({ account: t.AccountID, actionsId: t.ActionsID });
      } catch (e) {
        if (!(e instanceof RpcError)) throw e;
        done.push({ account: t.AccountID, actionsId: t.ActionsID, error: e.message });
      }
    }
    return done;
  };

  const BALANCE_MAP_FIELDS: Record<string, Kind> = {
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
  };

  const modifyBalance = (p: Record<string, unknown>, debit: boolean) => {
    const missing = ["Account", "BalanceType", "Value"].filter((k) => !p[k]);
    if (missing.length) throw mandatoryMissing(missing);
    if (p.Balance && typeof p.Balance === "object" && "Factors" in p.Balance)
      throw strict(`field "Factors" of v1.AttrAddBalance.Balance is not modelled by the simulator`);
    const bal = decodeStruct(p.Balance, "map[string]interface {}", BALANCE_MAP_FIELDS, {
      qualified: "map[string]interface {}",
      strictName: "v1.AttrAddBalance.Balance (map[string]interface {})",
    });
    const type = str(p.BalanceType);
    checkBalanceType(type);
    checkUnits(type, num(p.Value), currency);
    const extra = bool(p.Cdrlog) ? extraDataTemplate(p.ActionExtraData as Record<string, unknown> | undefined) : undefined;
    const f: BalanceFilter = { type, value: Math.abs(num(p.Value)) };
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
    const accountId = `${tenantOf(p)}:${str(p.Account)}`;
    const action: SimAction = {
      ...blankAction(`${debit ? "*debit" : "*topup"}${bool(p.Overwrite) ? "_reset" : ""}`),
      BalanceId: f.id ?? "",
      BalanceUuid: f.uuid ?? "",
      BalanceType: type,
      Units: f.value,
    };
    const steps: ActionStep[] = [{ action, filter: f }];
    if (extra) steps.push({ action: blankAction("*cdrlog"), filter: { type: "", value: 0 } });
    applyActions("", steps, accountId, extra);
    evaluateTriggers(accountId);
    return "OK";
  };

  /** utils.TPAction as APIerSv1.GetActions renders a stored action. */
  const tpAction = (a: SimAction) => ({
    Identifier: a.Identifier,
    BalanceId: a.BalanceId,
    BalanceUuid: "",
    BalanceType: a.BalanceType,
    Units: formatFloat(a.Units),
    ExpiryTime: a.ExpiryTime,
    Filter: a.Filter,
    TimingTags: stringMapText(parseStringMap(a.TimingTags)),
    DestinationIds: stringMapText(parseStringMap(a.DestinationIds)),
    RatingSubject: a.RatingSubject,
    Categories: stringMapText(parseStringMap(a.Categories)),
    SharedGroups: stringMapText(parseStringMap(a.SharedGroups)),
    BalanceWeight: formatFloat(a.BalanceWeight ?? 0),
    ExtraParameters: a.ExtraParameters,
    BalanceBlocker: String(a.BalanceBlocker === "true"),
    BalanceDisabled: String(a.BalanceDisabled === "true"),
    Weight: a.Weight,
  });

  /** engine.ActionPlan as APIerSv1.GetActionPlan renders it. */
  const renderPlan = (plan: StoredPlan) => ({
    Id: plan.Id,
    AccountIDs: plan.AccountIDs.length ? Object.fromEntries(plan.AccountIDs.map((a) => [a, true])) : null,
    ActionTimings: plan.ActionPlan.map((t) => ({
      Uuid: t.Uuid,
      Timing: { Timing: t.RITiming, Rating: null, Weight: 0 },
      ActionsID: t.ActionsId,
      ExtraData: null,
      Weight: t.Weight,
    })),
  });

  /** The account an identifier maps to through the tenant's attribute profiles (see the header), or null. */
  const mapIdentifier = (tenant: string, identifier: string, at: number): string | null => {
    const event = { Account: identifier };
    const active = (p: SimAttributeProfile) => {
      const from = Date.parse(p.ActivationInterval?.ActivationTime ?? ZERO_TIME);
      const to = Date.parse(p.ActivationInterval?.ExpiryTime ?? ZERO_TIME);
      return (from === ZERO_MS || at >= from) && (to === ZERO_MS || at < to);
    };
    const candidates = [...attributeProfiles.values()]
      .filter(
        (p) =>
          p.Tenant === tenant &&
          (p.Contexts ?? []).some((c) => c === "*any" || c === "*sessions") &&
          active(p) &&
          (p.FilterIDs ?? []).every((f) => filterMatches(f, event)),
      )
      .map((p, i) => ({ p, i }))
      .sort((x, y) => y.p.Weight - x.p.Weight || x.i - y.i);
    const best = candidates[0]?.p;
    const attr = best?.Attributes.find((a) => a.Path === "*req.Account" && a.Type === "*constant" && (a.FilterIDs ?? []).every((f) => filterMatches(f, event)));
    if (!attr) return null;
    const value = attr.Value.map(({ Rules }) => (Rules === "~*req.Account" ? identifier : Rules.startsWith("~") ? "" : Rules)).join("");
    return value || null;
  };

  type Method = { struct: string; fields: Record<string, Kind>; bare?: true; run: (p: Record<string, unknown>) => unknown };
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
        const extra = (p.ExtraOptions as Record<string, boolean | null> | undefined) ?? {};
        checkKeys(extra, ["AllowNegative", "Disabled"], "v2.AttrSetAccount.ExtraOptions (map[string]bool)");
        if (!p.Account) throw mandatoryMissing(["Account"]);
        const id = `${tenantOf(p)}:${str(p.Account)}`;
        const planIds = strings(p.ActionPlanIDs);
        for (const planId of planIds) if (!plans.has(planId)) throw new RpcError("SERVER_ERROR: NOT_FOUND");
        // the action-plan part (CGRateS' inner guard): saved even if the trigger part fails below
        let attached = [...(accountPlans.get(id) ?? [])];
        let dirty = false;
        if (bool(p.ActionPlansOverwrite)) {
          for (const old of attached) {
            const plan = plans.get(old);
            if (!plan || planIds.includes(old)) continue;
            plan.AccountIDs = plan.AccountIDs.filter((a) => a !== id);
            dirty = true;
          }
          attached = attached.filter((x) => planIds.includes(x));
        }
        const queued: SimTask[] = [];
        for (const planId of planIds) {
          const plan = plans.get(planId);
          if (!plan) continue;
          const asap = plan.ActionPlan.filter((t) => t.Time === "*asap");
          for (const t of asap) queued.push({ Uuid: crypto.randomUUID(), AccountID: id, ActionsID: t.ActionsId });
          if (asap.length === plan.ActionPlan.length || attached.includes(planId)) continue;
          attached.push(planId);
          if (!plan.AccountIDs.includes(id)) plan.AccountIDs.push(id);
          dirty = true;
        }
        accountPlans.set(id, attached);
        tasks.push(...queued);
        const schedNeedsReload = dirty || queued.length > 0;
        // the account part
        const groups = strings(p.ActionTriggerIDs);
        for (const g of groups) if (!actionTriggers.has(g)) throw new RpcError("SERVER_ERROR: NOT_FOUND");
        const acc = accounts.get(id) ?? blankAccount(id);
        if (bool(p.ActionTriggerOverwrite)) acc.ActionTriggers = [];
        for (const g of groups)
          for (const t of actionTriggers.get(g) ?? []) {
            const list = acc.ActionTriggers ?? [];
            if (!list.some((x) => x.ID === t.ID && x.UniqueID === t.UniqueID)) list.push(structuredClone(t));
            acc.ActionTriggers = list;
          }
        if ("AllowNegative" in extra) acc.AllowNegative = extra.AllowNegative === true;
        if ("Disabled" in extra) acc.Disabled = extra.Disabled === true;
        touch(acc);
        accounts.set(id, acc);
        if (schedulerRunning) drainTasks();
        if (bool(p.ReloadScheduler) && schedNeedsReload && !schedulerRunning) throw new RpcError("SCHEDULER_NOT_RUNNING");
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
          if (a.BalanceType) {
            checkBalanceType(str(a.BalanceType));
            checkUnits(str(a.BalanceType), num(a.Units), currency);
          }
          if (a.Identifier === "*cdrlog" && a.ExtraParameters) parseCdrlogParams(str(a.ExtraParameters));
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
    "APIerSv1.GetActions": {
      struct: "string",
      fields: {},
      bare: true,
      run: (p) => {
        const id = str(p.value);
        if (!id) throw new RpcError(`${MANDATORY} ActionsId: ${id}`);
        const acts = actions.get(id);
        if (!acts) throw new RpcError("SERVER_ERROR: NOT_FOUND");
        return acts.map(tpAction);
      },
    },
    "APIerSv1.RemoveActions": {
      struct: "v1.AttrRemoveActions",
      fields: { ActionIDs: "strings" },
      run: (p) => {
        if (p.ActionIDs === undefined) throw new RpcError("NOT_FOUND");
        for (const id of strings(p.ActionIDs)) actions.delete(id);
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
        const accountId = `${tenantOf(p)}:${str(p.Account)}`;
        executeActions(actionsId, accountId);
        evaluateTriggers(accountId);
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
        const now = new Date();
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
          const timing = {
            ActionsId: str(t.ActionsId),
            TimingID: str(t.TimingID),
            Years: str(t.Years),
            Months: str(t.Months),
            MonthDays: str(t.MonthDays),
            WeekDays: str(t.WeekDays),
            Time: str(t.Time),
            Weight: num(t.Weight),
          };
          return { Uuid: crypto.randomUUID(), ...timing, RITiming: riTiming(timing, now) };
        });
        const id = str(p.Id);
        const prev = plans.get(id);
        if (prev && !bool(p.Overwrite)) throw new RpcError("EXISTS");
        for (const t of timings) {
          if (!actions.has(t.ActionsId)) throw new RpcError(`BROKEN_REFERENCE:${t.ActionsId}`);
          if (!isValidTime(t.Time)) throw new RpcError(`UNSUPPORTED_FORMAT:${t.Time}`);
        }
        // Overwriting a plan detaches its accounts, as CGRateS does (RemAccountActionPlans).
        if (prev)
          for (const acc of prev.AccountIDs)
            accountPlans.set(
              acc,
              (accountPlans.get(acc) ?? []).filter((x) => x !== id),
            );
        plans.set(id, { Id: id, ActionPlan: timings, AccountIDs: [] });
        if (bool(p.ReloadScheduler)) {
          if (!schedulerRunning) throw new RpcError("SCHEDULER_NOT_RUNNING");
          drainTasks();
        }
        return "OK";
      },
    },
    "APIerSv1.GetActionPlan": {
      struct: "v1.AttrGetActionPlan",
      fields: { ID: "string" },
      run: (p) => {
        const id = str(p.ID);
        if (id === "" || id === "*") return [...plans.values()].map(renderPlan);
        const plan = plans.get(id);
        if (!plan) throw new RpcError("NOT_FOUND");
        return [renderPlan(plan)];
      },
    },
    "APIerSv1.RemoveActionPlan": {
      struct: "v1.AttrGetActionPlan",
      fields: { ID: "string" },
      run: (p) => {
        if (!p.ID) throw mandatoryMissing(["ID"]);
        const id = str(p.ID);
        for (const acc of plans.get(id)?.AccountIDs ?? [])
          accountPlans.set(
            acc,
            (accountPlans.get(acc) ?? []).filter((x) => x !== id),
          );
        plans.delete(id);
        return "OK";
      },
    },
    "APIerSv1.GetAccountActionPlan": {
      struct: "utils.TenantAccount",
      fields: { Tenant: "string", Account: "string" },
      run: (p) => {
        // CGRateS: NewErrMandatoryIeMissing(strings.Join(missing, ","), "") → "[Account ]"
        if (!p.Account) throw new RpcError(`${MANDATORY}: [Account ]`);
        const id = `${tenantOf(p)}:${str(p.Account)}`;
        const now = new Date();
        return (accountPlans.get(id) ?? []).flatMap((planId) =>
          (plans.get(planId)?.ActionPlan ?? []).map((t) => ({
            ActionPlanId: planId,
            Uuid: t.Uuid,
            ActionsId: t.ActionsId,
            NextExecTime: nextStartTime(t.RITiming, now),
          })),
        );
      },
    },
    "APIerSv1.SetActionTrigger": {
      struct: "engine.AttrSetActionTrigger",
      fields: { GroupID: "string", UniqueID: "string", ActionTrigger: "object" },
      run: (p) => {
        const map = (p.ActionTrigger as Record<string, unknown> | undefined) ?? {};
        checkKeys(map, TRIGGER_KEYS, "engine.AttrSetActionTrigger.ActionTrigger (map[string]interface {})");
        if (!p.GroupID) throw mandatoryMissing(["GroupID"]);
        const groupId = str(p.GroupID);
        const uniqueId = str(p.UniqueID);
        const group = [...(actionTriggers.get(groupId) ?? [])];
        const index = uniqueId ? group.findIndex((t) => t.UniqueID === uniqueId) : -1;
        if (index < 0) {
          const absent = (k: string) => !(k in map) || map[k] === null || (typeof map[k] === "string" && (map[k] as string).trim() === "");
          const miss = ["ThresholdType", "ThresholdValue"].filter(absent);
          if (miss.length) throw mandatoryMissing(miss);
        }
        const t: SimActionTrigger =
          index >= 0
            ? (structuredClone(group[index]) as SimActionTrigger)
            : {
                ID: groupId,
                UniqueID: uniqueId || crypto.randomUUID(),
                ThresholdType: "",
                ThresholdValue: 0,
                Recurrent: false,
                MinSleep: 0,
                ExpirationDate: ZERO_TIME,
                ActivationDate: ZERO_TIME,
                Balance: emptyBalanceFilter(),
                Weight: 0,
                ActionsID: "",
                MinQueuedItems: 0,
                Executed: false,
                LastExecutionTime: ZERO_TIME,
              };
        updateTrigger(t, map, currency);
        if (index >= 0) group[index] = t;
        else group.push(t);
        actionTriggers.set(groupId, group);
        return "OK";
      },
    },
    "APIerSv1.GetActionTriggers": {
      struct: "v1.AttrGetActionTriggers",
      fields: { GroupIDs: "strings" },
      run: (p) => {
        const ids = strings(p.GroupIDs);
        if (ids.length) {
          return ids.flatMap((id) => {
            const group = actionTriggers.get(id);
            if (!group) throw new RpcError("NOT_FOUND");
            return group;
          });
        }
        if (actionTriggers.size === 0) throw new RpcError("NOT_FOUND");
        return [...actionTriggers.values()].flat();
      },
    },
    "APIerSv1.RemoveActionTrigger": {
      struct: "v1.AttrRemoveActionTrigger",
      fields: { GroupID: "string", UniqueID: "string" },
      run: (p) => {
        if (!p.GroupID) throw mandatoryMissing(["GroupID"]);
        const groupId = str(p.GroupID);
        if (!p.UniqueID) {
          actionTriggers.delete(groupId);
          return "OK";
        }
        const group = actionTriggers.get(groupId);
        if (!group) throw new RpcError("NOT_FOUND");
        const rest = group.filter((t) => t.UniqueID !== str(p.UniqueID));
        if (rest.length) actionTriggers.set(groupId, rest);
        else actionTriggers.delete(groupId);
        return "OK";
      },
    },
    "APIerSv2.SetAttributeProfile": {
      struct: "v2.AttributeWithAPIOpts",
      fields: {
        Tenant: "string",
        ID: "string",
        Contexts: "strings",
        FilterIDs: "strings",
        ActivationInterval: "object",
        Attributes: "array",
        Blocker: "bool",
        Weight: "number",
        APIOpts: "object",
      },
      run: (p) => {
        const interval = decodeStruct(p.ActivationInterval, "utils.ActivationInterval", { ActivationTime: "string", ExpiryTime: "string" });
        const attributes = ((p.Attributes as unknown[] | undefined) ?? []).map((raw) =>
          decodeStruct(raw, "engine.ExternalAttribute", { FilterIDs: "strings", Path: "string", Type: "string", Value: "string" }),
        );
        if (!p.ID) throw mandatoryMissing(["ID"]);
        if (!attributes.length) throw new RpcError(`SERVER_ERROR: ${MANDATORY}: [Attributes]`);
        for (const a of attributes) {
          if (!a.Path) throw new RpcError(`SERVER_ERROR: ${MANDATORY}: [Path]`);
          if (!a.Value) throw new RpcError(`SERVER_ERROR: ${MANDATORY}: [Value]`);
          if (!ATTRIBUTE_TYPES.includes(str(a.Type))) throw strict(`unknown attribute Type "${str(a.Type)}" (one of ${ATTRIBUTE_TYPES.join(" ")})`);
        }
        for (const f of [...strings(p.FilterIDs), ...attributes.flatMap((a) => strings(a.FilterIDs))]) checkFilter(f);
        const profile: SimAttributeProfile = {
          Tenant: tenantOf(p),
          ID: str(p.ID),
          Contexts: p.Contexts === undefined ? null : strings(p.Contexts),
          FilterIDs: p.FilterIDs === undefined ? null : strings(p.FilterIDs),
          ActivationInterval:
            p.ActivationInterval === undefined
              ? null
              : {
                  ActivationTime: interval.ActivationTime === undefined ? ZERO_TIME : parseRfc3339(str(interval.ActivationTime)),
                  ExpiryTime: interval.ExpiryTime === undefined ? ZERO_TIME : parseRfc3339(str(interval.ExpiryTime)),
                },
          Attributes: attributes.map((a) => ({
            FilterIDs: a.FilterIDs === undefined ? null : strings(a.FilterIDs),
            Path: str(a.Path),
            Type: str(a.Type),
            Value: str(a.Value)
              .split(";")
              .map((Rules) => ({ Rules })),
          })),
          Blocker: bool(p.Blocker),
          Weight: num(p.Weight),
        };
        attributeProfiles.set(`${profile.Tenant}:${profile.ID}`, profile);
        return "OK";
      },
    },
    "APIerSv1.GetAttributeProfile": {
      struct: "utils.TenantIDWithAPIOpts",
      fields: { Tenant: "string", ID: "string", APIOpts: "object" },
      run: (p) => {
        if (!p.ID) throw mandatoryMissing(["ID"]);
        const profile = attributeProfiles.get(`${tenantOf(p)}:${str(p.ID)}`);
        if (!profile) throw new RpcError("NOT_FOUND");
        return profile;
      },
    },
    "APIerSv1.RemoveAttributeProfile": {
      struct: "utils.TenantIDWithAPIOpts",
      fields: { Tenant: "string", ID: "string", APIOpts: "object" },
      run: (p) => {
        if (!p.ID) throw mandatoryMissing(["ID"]);
        if (!attributeProfiles.delete(`${tenantOf(p)}:${str(p.ID)}`)) throw new RpcError("NOT_FOUND");
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
        // APIerSv2.GetCDRs answers engine.ExternalCDR: CostDetails is the EventCost as a JSON string ("" when none).
        return result.map((c) => ({ ...c, CostDetails: c.CostDetails === null || c.CostDetails === undefined ? "" : JSON.stringify(c.CostDetails) }));
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
    let failure = failures.find((f) => f.method === name || f.method === "*");
    // `after`: that many matching calls go through untouched first (e.g. "the 4th call hangs").
    if (failure && failure.after > 0) {
      failure.after--;
      failure = undefined;
    }
    if (failure) {
      failure.times--;
      if (failure.times <= 0) failures = failures.filter((f) => f !== failure);
      if (failure.delayMs > 0) await new Promise((r) => setTimeout(r, failure.delayMs));
      if (failure.error !== null && !failure.applied) return answer(null, failure.error);
    }
    let result: unknown;
    let error: string | null = null;
    try {
      const raw = body.params[0];
      let params: Record<string, unknown>;
      if (method.bare) {
        if (raw !== null && raw !== undefined && typeof raw !== "string")
          throw new RpcError(`json: cannot unmarshal ${jsonKind(raw)} into Go value of type string`);
        params = { value: raw ?? "" };
      } else params = decodeStruct(raw, method.struct, method.fields);
      result = structuredClone(method.run(params));
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
      error = e.message;
    }
    if (failure?.error && failure.applied) return answer(null, failure.error);
    return answer(result, error);
  };

  type Body = Record<string, unknown>;
  const readBody = (req: SimRequest): Body | string => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body || "{}");
    } catch {
      return "the body is not JSON";
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "the body must be a JSON object";
    return parsed as Body;
  };
  const bad = (error: string): SimResponse => ({ status: 400, body: { error } });
  const unknownKey = (body: Body, known: string[]) => Object.keys(body).find((k) => !known.includes(k));

  /** `POST /_sim/usage` (see the header). */
  const handleUsage = (req: SimRequest): SimResponse => {
    const body = readBody(req);
    if (typeof body === "string") return bad(body);
    const extra = unknownKey(body, USAGE_KEYS);
    if (extra !== undefined) return bad(`unknown field "${extra}" (expected ${USAGE_KEYS.join(", ")})`);
    const { identifier, unit, amount, destination, tenant: tenantField, at: atField } = body;
    if (typeof identifier !== "string" || identifier === "") return bad("identifier must be a non-empty string");
    if (unit !== "voice" && unit !== "data" && unit !== "sms") return bad('unit must be "voice", "data" or "sms"');
    if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0)
      return bad("amount must be a positive whole number (seconds for voice, bytes for data, messages for sms)");
    if (destination !== undefined && typeof destination !== "string") return bad("destination must be a string");
    if (tenantField !== undefined && typeof tenantField !== "string") return bad("tenant must be a string");
    if (
      atField !== undefined &&
      (typeof atField !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(atField) || Number.isNaN(Date.parse(atField)))
    )
      return bad("at must be an RFC 3339 time");
    const usageUnit: UsageUnit = unit;
    const tenant = tenantField || defaultTenant;
    const at = atField === undefined ? Date.now() : Date.parse(atField as string);
    const accountName = mapIdentifier(tenant, identifier, at);
    if (accountName === null) return { status: 404, body: { error: `NOT_FOUND: no attribute profile maps ${identifier}` } };
    const accountId = `${tenant}:${accountName}`;
    const current = accounts.get(accountId);
    if (!current) return { status: 404, body: { error: "ACCOUNT_NOT_FOUND" } };
    if (current.Disabled) return { status: 403, body: { error: "ACCOUNT_DISABLED" } };
    const acc = structuredClone(current) as SimAccount;
    const charged = chargeUsage(acc, usageUnit, amount, rates, at, (id) => newBalance({ type: "*monetary", id, value: 0 }, 0));
    if (!charged.ok) return { status: 402, body: { error: charged.error } };
    touch(acc);
    accounts.set(accountId, acc);
    const atIso = iso(at);
    const cost = fromScaled(charged.cost, MONEY_SCALE);
    const originId = crypto.randomUUID();
    const cgrid = sha1(originId, "127.0.0.1");
    const accountingIds = charged.debits.map(() => sha1(crypto.randomUUID()).slice(0, 7));
    const eventUsage = unit === "voice" ? Number(charged.usage) : amount;
    const costDetails = {
      CGRID: cgrid,
      RunID: "*default",
      StartTime: atIso,
      Usage: eventUsage,
      Cost: cost,
      Charges: charged.debits.length
        ? [
            {
              RatingID: "",
              Increments: charged.debits.map((d, i) => ({
                Usage: Number(d.usage),
                Cost: d.type === "*monetary" ? d.units : 0,
                AccountingID: accountingIds[i],
                CompressFactor: 1,
              })),
              CompressFactor: 1,
            },
          ]
        : [],
      AccountSummary: {
        Tenant: tenant,
        ID: accountName,
        BalanceSummaries: charged.debits.map((d) => ({
          UUID: d.balance.Uuid,
          ID: d.balance.ID,
          Type: d.type,
          Initial: d.initial,
          Value: d.value,
          Disabled: d.balance.Disabled,
        })),
        AllowNegative: acc.AllowNegative,
        Disabled: acc.Disabled,
      },
      Rating: {},
      Accounting: Object.fromEntries(
        charged.debits.map((d, i) => [
          accountingIds[i],
          { AccountID: accountId, BalanceUUID: d.balance.Uuid, RatingID: "", Units: d.units, ExtraChargeID: "" },
        ]),
      ),
      RatingFilters: {},
      Rates: {},
      Timings: {},
    };
    const cdr: Record<string, unknown> = {
      CGRID: cgrid,
      RunID: "*default",
      OrderID: 0,
      OriginHost: "127.0.0.1",
      Source: "*sim_usage",
      OriginID: originId,
      ToR: USAGE_TOR[usageUnit],
      RequestType: acc.AllowNegative ? "*postpaid" : "*prepaid",
      Tenant: tenant,
      Category: USAGE_CATEGORY[usageUnit],
      Account: accountName,
      Subject: identifier,
      Destination: destination ?? "",
      SetupTime: atIso,
      AnswerTime: atIso,
      Usage: unit === "voice" ? goDuration(charged.usage) : String(amount),
      ExtraFields: {},
      ExtraInfo: "",
      CostSource: "*sessions",
      Cost: cost,
      CostDetails: costDetails,
      PreRated: false,
    };
    storeCdr(cdr);
    evaluateTriggers(accountId);
    return {
      status: 200,
      body: {
        account: accountId,
        cdr,
        cost,
        debited: charged.debits.map((d) => ({ balanceId: d.balance.ID, balanceUuid: d.balance.Uuid, type: d.type, units: d.units })),
      },
    };
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
      const spec = JSON.parse(req.body || "{}") as { method?: string; times?: number; error?: string; delayMs?: number; applied?: boolean; after?: number };
      if (!spec.method) return { status: 400, body: { error: "method is required" } };
      const delayMs = spec.delayMs ?? 0;
      failures.push({
        method: spec.method,
        times: spec.times ?? 1,
        error: spec.error ?? (delayMs > 0 ? null : "SERVER_ERROR"),
        delayMs,
        applied: spec.applied === true,
        after: Math.max(0, Math.floor(spec.after ?? 0)),
      });
      return { status: 200, body: { failures } };
    }
    if (req.method === "POST" && path === "/_sim/down") {
      const spec = JSON.parse(req.body || "{}") as { seconds?: number };
      downUntil = Date.now() + (spec.seconds ?? 0) * 1000;
      return { status: 200, body: { downUntil: new Date(downUntil).toISOString() } };
    }
    if (req.method === "POST" && path === "/_sim/scheduler") {
      const body = readBody(req);
      if (typeof body === "string") return bad(body);
      const extra = unknownKey(body, ["running"]);
      if (extra !== undefined) return bad(`unknown field "${extra}" (expected running)`);
      if (typeof body.running !== "boolean") return bad("running must be a boolean");
      schedulerRunning = body.running;
      const executed = schedulerRunning ? drainTasks() : [];
      return { status: 200, body: { running: schedulerRunning, executed } };
    }
    if (req.method === "POST" && path === "/_sim/run-action-plan") {
      const body = readBody(req);
      if (typeof body === "string") return bad(body);
      const extra = unknownKey(body, ["Id"]);
      if (extra !== undefined) return bad(`unknown field "${extra}" (expected Id)`);
      if (typeof body.Id !== "string" || body.Id === "") return bad("Id must be a non-empty string");
      if (!schedulerRunning) return { status: 409, body: { error: "SCHEDULER_NOT_RUNNING" } };
      const plan = plans.get(body.Id);
      if (!plan) return { status: 404, body: { error: "NOT_FOUND" } };
      const executed: Executed[] = [];
      const due = plan.ActionPlan.map((t, i) => ({ t, i }))
        .filter(({ t }) => t.Time !== "*asap")
        .sort((x, y) => y.t.Weight - x.t.Weight || x.i - y.i);
      for (const account of [...plan.AccountIDs])
        for (const { t } of due) {
          try {
            executeActions(t.ActionsId, account);
            evaluateTriggers(account);
            executed.push({ account, actionsId: t.ActionsId });
          } catch (e) {
            if (!(e instanceof RpcError)) throw e;
            executed.push({ account, actionsId: t.ActionsId, error: e.message });
          }
        }
      return { status: 200, body: { executed } };
    }
    if (req.method === "POST" && path === "/_sim/usage") return handleUsage(req);
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
      actionTriggers: Object.fromEntries(actionTriggers),
      attributeProfiles: Object.fromEntries(attributeProfiles),
      tasks,
      scheduler: { running: schedulerRunning },
      firedTriggers,
      currency,
      rates,
      cdrs,
      calls,
    }),
    () => {
      accounts = new Map();
      accountPlans = new Map();
      actions = new Map();
      plans = new Map();
      actionTriggers = new Map();
      attributeProfiles = new Map();
      tasks = [];
      schedulerRunning = options.scheduler ?? true;
      firedTriggers = [];
      cdrs = [];
      calls = [];
      failures = [];
      downUntil = 0;
    },
  );
}
