import { postJsonText } from "./http";

/**
 * Typed CGRateS JSON-RPC client (APIer v1/v2 over HTTP, `POST …/jsonrpc`). Field names are the wire
 * names (PascalCase). Every failure is a {@link CgratesError} with a stable `code` and `retryable`.
 */

/** Balance types CGRateS knows. */
export type BalanceType = "*monetary" | "*data" | "*voice" | "*sms" | "*mms" | "*generic";

/** The `Balance` filter/creation map of AddBalance and DebitBalance. */
export type BalanceArgs = {
  ID?: string;
  UUID?: string;
  /** `*unlimited`, `*month_end`, `+720h`, RFC 3339… */
  ExpiryTime?: string;
  Weight?: number;
  /** `;`-separated ids, `!` excludes. */
  DestinationIDs?: string;
  RatingSubject?: string;
  Categories?: string;
  SharedGroups?: string;
  TimingIDs?: string;
  Disabled?: boolean;
  Blocker?: boolean;
};

/** APIerSv2.SetAccount arguments (Tenant defaults to the client's tenant). */
export type SetAccountArgs = {
  Tenant?: string;
  Account: string;
  ActionPlanIDs?: string[];
  ActionPlansOverwrite?: boolean;
  ActionTriggerIDs?: string[];
  ActionTriggerOverwrite?: boolean;
  ExtraOptions?: { AllowNegative?: boolean; Disabled?: boolean };
  ReloadScheduler?: boolean;
};

/** APIerSv1.RemoveAccount arguments. */
export type RemoveAccountArgs = { Tenant?: string; Account: string; ReloadScheduler?: boolean };

/** APIerSv2.GetAccount arguments. */
export type GetAccountArgs = { Tenant?: string; Account: string };

/** APIerSv1.AddBalance / APIerSv1.DebitBalance arguments. `*voice` values are nanoseconds. */
export type BalanceOperationArgs = {
  Tenant?: string;
  Account: string;
  BalanceType: BalanceType;
  Value: number;
  Balance?: BalanceArgs;
  ActionExtraData?: Record<string, unknown>;
  /** Set the balance to Value instead of adding/subtracting. */
  Overwrite?: boolean;
  Cdrlog?: boolean;
};

/** One action of APIerSv1.SetActions (V1TPAction). */
export type ActionArgs = {
  Identifier: "*topup" | "*topup_reset" | "*debit" | "*debit_reset" | "*reset_account" | "*remove_balance" | (string & {});
  BalanceId?: string;
  BalanceUuid?: string;
  BalanceType?: BalanceType;
  Units?: number;
  ExpiryTime?: string;
  Filter?: string;
  TimingTags?: string;
  DestinationIds?: string;
  RatingSubject?: string;
  Categories?: string;
  SharedGroups?: string;
  BalanceWeight?: number;
  ExtraParameters?: string;
  BalanceBlocker?: string;
  BalanceDisabled?: string;
  /** The action's weight; mandatory and non-zero in CGRateS. */
  Weight: number;
};

/** APIerSv1.SetActions arguments. */
export type SetActionsArgs = { ActionsId: string; Overwrite?: boolean; Actions: ActionArgs[] };

/** APIerSv1.ExecuteAction arguments. */
export type ExecuteActionArgs = { Tenant?: string; Account: string; ActionsId: string };

/** One timing of APIerSv1.SetActionPlan (AttrActionPlan). */
export type ActionPlanTiming = {
  ActionsId: string;
  TimingID?: string;
  Years?: string;
  Months?: string;
  MonthDays?: string;
  WeekDays?: string;
  /** `*asap`, `*monthly`, `hh:mm:ss`… mandatory. */
  Time: string;
  /** Mandatory and non-zero in CGRateS. */
  Weight: number;
};

/** APIerSv1.SetActionPlan arguments. */
export type SetActionPlanArgs = { Id: string; ActionPlan: ActionPlanTiming[]; Overwrite?: boolean; ReloadScheduler?: boolean };

/** APIerSv2.GetCDRs filter (a subset of utils.RPCCDRsFilter). */
export type GetCdrsArgs = {
  Accounts?: string[];
  Tenants?: string[];
  ToRs?: string[];
  RunIDs?: string[];
  OriginIDs?: string[];
  /** Inclusive, RFC 3339 (or any CGRateS time layout). */
  SetupTimeStart?: string;
  /** Exclusive. */
  SetupTimeEnd?: string;
  AnswerTimeStart?: string;
  AnswerTimeEnd?: string;
  /** e.g. `SetupTime` or `SetupTime;desc`. */
  OrderBy?: string;
  Limit?: number;
  Offset?: number;
};

/** A balance as CGRateS returns it (engine.Balance). */
export type CgratesBalance = {
  Uuid: string;
  ID: string;
  Value: number;
  /** RFC 3339; `0001-01-01T00:00:00Z` means it never expires. */
  ExpirationDate: string;
  Weight: number;
  DestinationIDs: Record<string, boolean> | null;
  RatingSubject: string;
  Categories: Record<string, boolean> | null;
  SharedGroups: Record<string, boolean> | null;
  Timings: unknown[] | null;
  TimingIDs: Record<string, boolean> | null;
  Disabled: boolean;
  Factors: Record<string, number> | null;
  Blocker: boolean;
};

/** An account as APIerSv2.GetAccount returns it (engine.Account). */
export type CgratesAccount = {
  /** `tenant:account`. */
  ID: string;
  BalanceMap: Partial<Record<BalanceType, CgratesBalance[]>> | null;
  UnitCounters: unknown;
  ActionTriggers: unknown;
  AllowNegative: boolean;
  Disabled: boolean;
  UpdateTime: string;
};

/** A CDR as APIerSv2.GetCDRs returns it (engine.ExternalCDR). */
export type CgratesCdr = {
  CGRID: string;
  RunID: string;
  OriginID: string;
  ToR: string;
  RequestType: string;
  Tenant: string;
  Category: string;
  Account: string;
  Subject: string;
  Destination: string;
  SetupTime: string;
  AnswerTime: string;
  Usage: string | number;
  Cost: number;
  CostDetails: unknown;
  ExtraFields: Record<string, string> | null;
  [field: string]: unknown;
};

/** Stable error codes; `OTHER` is any CGRateS error string not listed. */
export type CgratesErrorCode =
  | "NOT_FOUND"
  | "MANDATORY_IE_MISSING"
  | "EXISTS"
  | "BROKEN_REFERENCE"
  | "PARTIALLY_EXECUTED"
  | "INSUFFICIENT_CREDIT"
  | "ACCOUNT_DISABLED"
  | "UNKNOWN_METHOD"
  | "UNAUTHORIZED"
  | "UNREACHABLE"
  | "TIMEOUT"
  | "SERVER_ERROR"
  | "BAD_RESPONSE"
  | "OTHER";

/** A failed CGRateS call. `message` keeps CGRateS' own error string (or the transport error). */
export class CgratesError extends Error {
  override readonly name = "CgratesError";
  constructor(
    readonly code: CgratesErrorCode,
    message: string,
    readonly retryable: boolean,
    readonly method: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

const SIMPLE_CODES: CgratesErrorCode[] = ["NOT_FOUND", "EXISTS", "BROKEN_REFERENCE", "PARTIALLY_EXECUTED", "INSUFFICIENT_CREDIT", "ACCOUNT_DISABLED"];

/** Maps a CGRateS JSON-RPC error string to a {@link CgratesError}. */
export function cgratesErrorFromString(method: string, error: string): CgratesError {
  if (error.startsWith("MANDATORY_IE_MISSING")) return new CgratesError("MANDATORY_IE_MISSING", error, false, method);
  if (error.startsWith("rpc: can't find") || error.startsWith("rpc: service/method request ill-formed"))
    return new CgratesError("UNKNOWN_METHOD", error, false, method);
  if (error.startsWith("SERVER_ERROR")) {
    // `SERVER_ERROR: NOT_FOUND` is how some APIs wrap a missing reference: not worth retrying.
    const inner = error.slice("SERVER_ERROR".length).replace(/^:\s*/, "");
    if (inner === "NOT_FOUND") return new CgratesError("NOT_FOUND", error, false, method);
    return new CgratesError("SERVER_ERROR", error, true, method);
  }
  for (const code of SIMPLE_CODES) if (error === code || error.startsWith(`${code}:`)) return new CgratesError(code, error, false, method);
  return new CgratesError("OTHER", error, false, method);
}

/** Options of {@link createCgratesClient}. */
export type CgratesClientOptions = {
  /** The JSON-RPC endpoint, e.g. `http://127.0.0.1:2080/jsonrpc`. */
  url: string;
  /** Tenant used when a call does not name one (the operator's `CGRATES_TENANT`). */
  tenant: string;
  /** HTTP basic auth, when CGRateS' listener has `auth_users`. */
  user?: string;
  password?: string;
  /** Per-call timeout (default 10 s). */
  timeoutMs?: number;
  /** Replaces global fetch (tests). */
  fetch?: typeof fetch;
};

/** The methods of the client; each resolves with CGRateS' reply or rejects with a CgratesError. */
export type CgratesClient = {
  /** APIerSv2.SetAccount: create or update an account. */
  setAccount(args: SetAccountArgs): Promise<void>;
  /** APIerSv1.RemoveAccount. */
  removeAccount(args: RemoveAccountArgs): Promise<void>;
  /** APIerSv2.GetAccount; null when CGRateS answers NOT_FOUND. */
  getAccount(args: GetAccountArgs): Promise<CgratesAccount | null>;
  /** APIerSv1.AddBalance (creates the account if missing). */
  addBalance(args: BalanceOperationArgs): Promise<void>;
  /** APIerSv1.DebitBalance (CGRateS lets a balance go below zero here). */
  debitBalance(args: BalanceOperationArgs): Promise<void>;
  /** APIerSv1.SetActions. */
  setActions(args: SetActionsArgs): Promise<void>;
  /** APIerSv1.ExecuteAction. */
  executeAction(args: ExecuteActionArgs): Promise<void>;
  /** APIerSv1.SetActionPlan. */
  setActionPlan(args: SetActionPlanArgs): Promise<void>;
  /** APIerSv2.GetCDRs; an empty list when CGRateS answers NOT_FOUND. */
  getCdrs(args: GetCdrsArgs): Promise<CgratesCdr[]>;
  /** Any other APIer method, raw. */
  call<T>(method: string, params: object): Promise<T>;
};

/** Creates a CGRateS client. JSON-RPC ids increase per client. */
export function createCgratesClient(options: CgratesClientOptions): CgratesClient {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (options.user !== undefined) headers.Authorization = `Basic ${Buffer.from(`${options.user}:${options.password ?? ""}`).toString("base64")}`;
  let nextId = 1;

  async function call<T>(method: string, params: object): Promise<T> {
    const id = nextId++;
    const { res, text } = await postJsonText(
      doFetch,
      options.url,
      headers,
      { method, params: [params], id },
      timeoutMs,
      (failure) => new CgratesError(failure.timedOut ? "TIMEOUT" : "UNREACHABLE", `${method}: ${failure.message}`, true, method),
    );
    if (res.status === 401 || res.status === 403)
      throw new CgratesError("UNAUTHORIZED", `${method}: HTTP ${res.status} ${text.trim()}`, false, method, res.status);
    if (res.status >= 500) throw new CgratesError("SERVER_ERROR", `${method}: HTTP ${res.status} ${text.trim()}`, true, method, res.status);
    if (res.status !== 200) throw new CgratesError("BAD_RESPONSE", `${method}: HTTP ${res.status} ${text.trim()}`, false, method, res.status);
    let reply: { id?: unknown; result?: unknown; error?: unknown };
    try {
      reply = JSON.parse(text);
    } catch {
      // net/rpc answers an empty body to a request it cannot decode
      throw new CgratesError(
        "BAD_RESPONSE",
        `${method}: reply is not JSON-RPC (${text.length === 0 ? "empty body" : text.slice(0, 100)})`,
        false,
        method,
        res.status,
      );
    }
    if (typeof reply !== "object" || reply === null) throw new CgratesError("BAD_RESPONSE", `${method}: reply is not JSON-RPC`, false, method, res.status);
    if (reply.error !== null && reply.error !== undefined) throw cgratesErrorFromString(method, String(reply.error));
    return reply.result as T;
  }

  const withTenant = <A extends { Tenant?: string }>(args: A): A => ({ ...args, Tenant: args.Tenant || options.tenant });
  const ok = async (method: string, params: object) => {
    const result = await call<unknown>(method, params);
    if (result !== "OK") throw new CgratesError("BAD_RESPONSE", `${method}: unexpected reply ${JSON.stringify(result)}`, false, method);
  };

  return {
    call,
    setAccount: (args) => ok("APIerSv2.SetAccount", withTenant(args)),
    removeAccount: (args) => ok("APIerSv1.RemoveAccount", withTenant(args)),
    getAccount: async (args) => {
      try {
        return await call<CgratesAccount>("APIerSv2.GetAccount", withTenant(args));
      } catch (error) {
        if (error instanceof CgratesError && error.code === "NOT_FOUND") return null;
        throw error;
      }
    },
    addBalance: (args) => ok("APIerSv1.AddBalance", withTenant(args)),
    debitBalance: (args) => ok("APIerSv1.DebitBalance", withTenant(args)),
    setActions: (args) => ok("APIerSv1.SetActions", args),
    executeAction: (args) => ok("APIerSv1.ExecuteAction", withTenant(args)),
    setActionPlan: (args) => ok("APIerSv1.SetActionPlan", args),
    getCdrs: async (args) => {
      try {
        return (await call<CgratesCdr[] | null>("APIerSv2.GetCDRs", args)) ?? [];
      } catch (error) {
        if (error instanceof CgratesError && error.code === "NOT_FOUND") return [];
        throw error;
      }
    },
  };
}
