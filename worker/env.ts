import type { Db } from "./db/client";
import type { Principal } from "./domain/auth/principal";
import type { SettingsData } from "./domain/settings/schemas";

/** The one Hono environment of the worker: bindings from wrangler.toml plus per-request variables. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    db: Db;
    principal: Principal | null;
    /** Pages only: the CSRF token bound to the session. */
    csrfToken: string;
    /** Operator settings (branding, defaults, security), once loaded for this request. */
    settings: SettingsData | undefined;
  };
};
