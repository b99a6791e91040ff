import { DurableObject } from "cloudflare:workers";

/**
 * One object per service (addressed by service id): the only writer of the service's lifecycle
 * state and balances. The Catalog & services module gives it its RPC methods; the class and its
 * SQLite storage are declared now so the binding and migration tag are stable from the first deploy.
 */
export class ServiceState extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    });
  }

  /** The service id this object serves, once known. */
  async describe(): Promise<{ serviceId: string | null }> {
    const row = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'service_id'").toArray()[0];
    return { serviceId: row?.value ?? null };
  }
}
