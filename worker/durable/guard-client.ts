import type { LoginGuardPort } from "../domain/auth/guard";
import { ACCOUNT_POLICY, type GuardPolicy, IP_POLICY, TOPUP_IP_POLICY, TOPUP_NUMBER_POLICY } from "./login-guard";

function policyFor(key: string): GuardPolicy {
  if (key.startsWith("topup-number:")) return TOPUP_NUMBER_POLICY;
  if (key.startsWith("topup-ip:")) return TOPUP_IP_POLICY;
  return key.startsWith("ip:") ? IP_POLICY : ACCOUNT_POLICY;
}

/** The LoginGuard Durable Objects behind the domain's port: one object per account or IP key. */
export function loginGuard(env: Env): LoginGuardPort {
  const guardFor = (key: string) => env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(key));
  return {
    check: (key) => guardFor(key).check(),
    fail: (key) => guardFor(key).fail(policyFor(key)),
    reset: (key) => guardFor(key).reset(),
  };
}
