import type { LoginGuardPort } from "../domain/auth/guard";
import { ACCOUNT_POLICY, IP_POLICY } from "./login-guard";

/** The LoginGuard Durable Objects behind the domain's port: one object per account or IP key. */
export function loginGuard(env: Env): LoginGuardPort {
  const stub = (key: string) => env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(key));
  return {
    check: (key) => stub(key).check(),
    fail: (key) => stub(key).fail(key.startsWith("ip:") ? IP_POLICY : ACCOUNT_POLICY),
    reset: (key) => stub(key).reset(),
  };
}
