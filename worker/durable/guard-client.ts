import type { LoginGuardPort } from "../domain/auth/guard";
import { ACCOUNT_POLICY, IP_POLICY } from "./login-guard";

/** The LoginGuard Durable Objects behind the domain's port: one object per account or IP key. */
export function loginGuard(env: Env): LoginGuardPort {
  const guardFor = (key: string) => env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(key));
  return {
    check: (key) => guardFor(key).check(),
    fail: (key) => guardFor(key).fail(key.startsWith("ip:") ? IP_POLICY : ACCOUNT_POLICY),
    reset: (key) => guardFor(key).reset(),
  };
}
